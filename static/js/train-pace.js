// How many epochs one /train request asks for while playing. A request costs a round trip (and a
// frame to draw it); when the server answers slowly — a class of 60 on one small server — one
// epoch per request would leave each network learning slowly, so the page asks for more epochs
// per request, enough for TARGET epochs per second of wall time, never more than MAX (the
// pictures still move) nor more steps than the server takes in one call. The server computes the
// heatmap and the neuron pictures once per request, for its last epoch, so a request of k epochs
// costs it k epochs of training and one set of pictures.

export const TARGET = 25; // epochs per second the page aims for (the issue asks ≥ 20)
export const MAX = 32; // epochs per request at most
export const MAX_STEPS = 10000; // the server's default max_train_steps (CHAINRULE_MAX_TRAIN_STEPS)
const FRAME_MS = 16; // the pause between requests: one animation frame
const SMOOTHING = 0.3; // weight of the newest round trip in the moving average

export function createPacer() {
  let rtt = null; // moving average of a request's round trip, in ms
  let last = 1;
  let cap = MAX; // lowered when a request ran out of the server's time, raised again by answers

  return {
    /** A request took `ms` (round trip, answer parsed). */
    measured(ms) {
      rtt = rtt === null ? ms : (1 - SMOOTHING) * rtt + SMOOTHING * ms;
      cap = Math.min(MAX, cap + 1);
    },
    /** The server stopped a request at its wall-time limit (a 422 `timeout`: a crowded server):
     * ask for half as many epochs from now on, growing back one epoch per answer. */
    timedOut() {
      cap = Math.max(1, Math.floor(last / 2));
      last = cap;
      return cap;
    },
    /** Epochs to ask for next: the smallest k with k epochs per (round trip + frame) ≥ TARGET/s,
     * at most MAX (or less after a timeout), and at most what keeps k · stepsPerEpoch within the server's step limit. */
    epochs(stepsPerEpoch = 1) {
      const fits = Math.max(1, Math.floor(MAX_STEPS / Math.max(1, stepsPerEpoch)));
      const wanted = rtt === null ? 1 : Math.ceil((TARGET * (rtt + FRAME_MS)) / 1000);
      last = Math.max(1, Math.min(cap, fits, wanted));
      return last;
    },
    /** For the page's status line and tests. */
    get info() {
      return { epochs: last, rtt: rtt === null ? null : Math.round(rtt) };
    },
  };
}
