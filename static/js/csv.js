// Your own data as CSV: three columns, `x1,x2,label` (a class 0…4) or `x1,x2,y` (a number, for
// regression). A small strict reader (no quoting, no other delimiters: the format has only
// numbers): every rejection names its line, as a code and parameters the page words in the
// user's language (no CSV library is available offline without a build step).

export const LIMIT = 2000; // points: the server's max_train_samples
export const EXTENT = 6; // |x1|, |x2| ≤ 6: the data square

export class CsvError extends Error {
  constructor(code, params = {}) {
    super(`${code} ${JSON.stringify(params)}`);
    this.name = "CsvError";
    this.code = code;
    this.params = params;
  }
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function number(text, line, column) {
  const v = text.trim();
  if (!NUMBER.test(v)) throw new CsvError("not_a_number", { line, column, text: v.slice(0, 20) });
  return Number(v);
}

/**
 * Read CSV text into {task: "classes" | "regression", points: [[x1, x2, label], …]}. A header
 * line (`x1,x2,label` or `x1,x2,y`) says which; without one, whole labels 0…4 mean classes.
 */
export function parseCsv(text) {
  const lines = String(text).replace(/^\uFEFF/, "").split(/\r\n|\n|\r/);
  let task = null;
  const points = [];
  lines.forEach((raw, k) => {
    const line = k + 1;
    if (!raw.trim()) return;
    const cells = raw.split(",");
    const header = cells.map((c) => c.trim().toLowerCase());
    if (!points.length && task === null && header[0] === "x1") {
      if (cells.length !== 3 || header[1] !== "x2" || !["label", "y"].includes(header[2])) {
        throw new CsvError("bad_header", { line });
      }
      task = header[2] === "y" ? "regression" : "classes";
      return;
    }
    if (raw.includes('"')) throw new CsvError("quoted", { line });
    if (cells.length !== 3) throw new CsvError("columns", { line, n: cells.length });
    const [x1, x2, label] = cells.map((c, i) => number(c, line, i + 1));
    for (const [v, column] of [[x1, 1], [x2, 2]]) {
      if (Math.abs(v) > EXTENT) throw new CsvError("outside", { line, column, value: v });
    }
    if (task === "classes" && !(Number.isInteger(label) && label >= 0 && label <= 4)) {
      throw new CsvError("bad_class", { line, value: label });
    }
    points.push([x1, x2, label]);
    if (points.length > LIMIT) throw new CsvError("too_many", { line, limit: LIMIT });
  });
  if (!points.length) throw new CsvError("empty", { line: lines.length });
  if (task === null) {
    task = points.every((p) => Number.isInteger(p[2]) && p[2] >= 0 && p[2] <= 4) ? "classes" : "regression";
  }
  if (task === "classes" && new Set(points.map((p) => p[2])).size < 2) throw new CsvError("one_class", {});
  return { task, points };
}

/** The CSV text of points, with the header that says what the third column is. */
export function toCsv(points, task) {
  const head = task === "regression" ? "x1,x2,y" : "x1,x2,label";
  return `${[head, ...points.map((p) => p.join(","))].join("\n")}\n`;
}
