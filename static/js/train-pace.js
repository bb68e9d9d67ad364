// How many epochs one /train request asks for while playing. A request costs a round trip (and a
// frame to draw it); when the server answers slowly — a class of 60 on one small server — one
// epoch per request would leave each network learning slowly, so the page asks for more epochs
// per request, enough for TARGET epochs per second of wall time, never more than MAX (the
// pictures still move, and one request stays well inside the server's step limit).

export const TARGET = 25; // epochs per second the page aims for (the issue asks ≥ 20)
export const MAX = 16; // epochs per request at most
const FRAME_MS = 16; // the pause between requests: one animation frame
const SMOOTHING = 0.3; // weight of the newest round trip in the moving average

export function createPacer() {
  let rtt = null; // moving average of a request's round trip, in ms
  let last = 1;

  return {
    /** A request took `ms` (round trip, answer parsed). */
    measured(ms) {
      rtt = rtt === null ? ms : (1 - SMOOTHING) * rtt + SMOOTHING * ms;
    },
    /** Epochs to ask for next: the smallest k with k epochs per (round trip + frame) ≥ TARGET/s. */
    epochs() {
      if (rtt === null) return (last = 1);
      last = Math.max(1, Math.min(MAX, Math.ceil((TARGET * (rtt + FRAME_MS)) / 1000)));
      return last;
    },
    /** For the page's status line and tests. */
    get info() {
      return { epochs: last, rtt: rtt === null ? null : Math.round(rtt) };
    },
  };
}
