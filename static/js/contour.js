// Level lines of a grid by marching squares (d3-contour's algorithm, written small because the
// pages load nothing from a CDN): each cell's four corners are classed above/below the level,
// the crossing on each edge is placed by linear interpolation, and a saddle cell (two opposite
// corners above) is resolved by the cell's centre value so lines never cross. Segments that
// share an end are joined into polylines, so a line is drawn as one smooth path.

/** Edges of a cell: 0 top (corners 0–1), 1 right (1–2), 2 bottom (2–3), 3 left (3–0). */
const CASES = {
  1: [[3, 0]], 2: [[0, 1]], 3: [[3, 1]], 4: [[1, 2]], 6: [[0, 2]], 7: [[3, 2]], 8: [[2, 3]],
  9: [[2, 0]], 11: [[2, 1]], 12: [[1, 3]], 13: [[1, 0]], 14: [[0, 3]],
};

/**
 * Polylines where values[i][j] (row i, column j) crosses `level`, as lists of [column, row] in
 * fractional grid coordinates.
 */
export function isolines(values, level) {
  const rows = values.length;
  const cols = rows ? values[0].length : 0;
  const segments = [];
  for (let i = 0; i + 1 < rows; i += 1) {
    for (let j = 0; j + 1 < cols; j += 1) {
      const v = [values[i][j], values[i][j + 1], values[i + 1][j + 1], values[i + 1][j]];
      if (!v.every(Number.isFinite)) continue;
      const code = (v[0] >= level ? 1 : 0) | (v[1] >= level ? 2 : 0) | (v[2] >= level ? 4 : 0) | (v[3] >= level ? 8 : 0);
      if (code === 0 || code === 15) continue;
      const corner = [[j, i], [j + 1, i], [j + 1, i + 1], [j, i + 1]];
      // Each crossing is named by its grid edge (shared with the neighbouring cell), so lines
      // join exactly, even where a level passes through a grid point.
      const edge = [`h${i},${j}`, `v${i},${j + 1}`, `h${i + 1},${j}`, `v${i},${j}`];
      const at = (e) => {
        const a = e;
        const b = (e + 1) % 4;
        const t = (level - v[a]) / (v[b] - v[a]);
        const p = [corner[a][0] + t * (corner[b][0] - corner[a][0]), corner[a][1] + t * (corner[b][1] - corner[a][1])];
        p.key = edge[e];
        return p;
      };
      let pairs = CASES[code];
      if (code === 5 || code === 10) {
        // The centre sides with the diagonal it agrees with; the lines cut off the other two corners.
        const high = (v[0] + v[1] + v[2] + v[3]) / 4 >= level;
        const cutOneAndThree = [[0, 1], [2, 3]];
        const cutZeroAndTwo = [[3, 0], [1, 2]];
        pairs = (code === 5) === high ? cutOneAndThree : cutZeroAndTwo;
      }
      for (const [a, b] of pairs) segments.push([at(a), at(b)]);
    }
  }
  return join(segments);
}

/** Join segments into polylines through their shared ends (a crossing's key is its grid edge). */
function join(segments) {
  const key = (p) => p.key;
  const ends = new Map();
  segments.forEach((s, k) => {
    for (const p of s) {
      const id = key(p);
      if (!ends.has(id)) ends.set(id, []);
      ends.get(id).push(k);
    }
  });
  const used = new Uint8Array(segments.length);
  const lines = [];
  const extend = (line, forward) => {
    for (;;) {
      const tip = forward ? line[line.length - 1] : line[0];
      const next = (ends.get(key(tip)) || []).find((k) => !used[k]);
      if (next === undefined) return;
      used[next] = 1;
      const [a, b] = segments[next];
      const other = key(a) === key(tip) ? b : a;
      if (forward) line.push(other);
      else line.unshift(other);
    }
  };
  segments.forEach((s, k) => {
    if (used[k]) return;
    used[k] = 1;
    const line = [s[0], s[1]];
    extend(line, true);
    extend(line, false);
    lines.push(line);
  });
  return lines;
}

/**
 * Levels for a surface with values in [lo, hi]: evenly spaced, or — for a surface with a deep
 * narrow valley such as Rosenbrock's (lo ≥ 0, a wide range) — spaced evenly in log(f − lo) from
 * `floor` above the minimum up to the maximum, so the valley gets as many lines as the walls;
 * no level lies lower than `floor`, where a valley floor would break into islands of grid noise.
 */
export function levels(lo, hi, count, { floor = 0.1 } = {}) {
  const out = [];
  const logScale = lo >= 0 && hi - lo > 20;
  const decades = Math.max(1, Math.min(6, Math.log10((hi - lo) / floor)));
  for (let k = 1; k < count; k += 1) {
    out.push(logScale ? lo + (hi - lo) * 10 ** (-decades * (1 - k / count)) : lo + ((hi - lo) * k) / count);
  }
  return { values: out, log: logScale };
}

/** SVG path data of polylines, mapped to the drawing by sx(column) and sy(row). */
export function pathData(lines, sx, sy) {
  let d = "";
  for (const line of lines) {
    line.forEach(([c, r], k) => {
      d += `${k ? "L" : "M"}${sx(c).toFixed(1)},${sy(r).toFixed(1)}`;
    });
  }
  return d;
}
