// One training run in the browser: POST /api/v1/train with the configuration and the `state` the
// previous response returned (the server keeps nothing), gather the curves, and turn each
// response into the plain `view` the drawings read (train-view.js). A change of a live setting
// (rate, L1/L2, schedule, batch size, optimiser) keeps `state`, so the run goes on; a weight
// typed by hand is written into `state` and the next step starts from it.
import { ApiError, toNumbers, train } from "./api.js";
import { pageLink } from "./urlstate.js";
import { trainConfig } from "./train-state.js";
import { createHistory, readView } from "./train-view.js";
import { createPacer } from "./train-pace.js";

function nextFrame() {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

export function createRun({ state: s, onResult, onError, onBusy = () => {} }) {
  let remote = null; // the server's `state`, handed back verbatim (or with a hand-edited weight)
  let generation = 0; // bumped by reset so late answers of an old run are dropped
  let history = createHistory();
  let busy = null;
  const pacer = createPacer();
  const run = { playing: false, last: null, pacer };

  /** A fresh run's optimiser slots for the current optimiser (its state starts over, as a new torch optimiser's). */
  async function freshSlots() {
    const resp = await train({ ...trainConfig(s), steps: 0, grid: false, curve: false });
    return resp.state.optimizer;
  }

  let pendingMark = null; // a live change waits for the first request that carries it
  const BUSY_RETRIES = 6;
  const BUSY_WAIT_MAX_SECONDS = 10;

  async function send(steps, curveEvery) {
    if (pendingMark) {
      // A request in flight when the setting changed still used the old one: the new one starts
      // where this request starts, the step the state handed back has reached.
      history.mark(pendingMark, remote?.step ?? 0);
      pendingMark = null;
    }
    const body = {
      ...trainConfig(s),
      steps,
      ...(curveEvery > 1 ? { curve_every: curveEvery } : {}),
      grid: true,
      neurons: true,
      points: !run.last?.points?.length,
      ...(remote ? { state: remote } : {}),
    };
    try {
      return await patiently(body);
    } catch (error) {
      // Another optimiser has other slots (Adam's moments are not SGD's momentum buffer): keep the
      // weights and counters, start the optimiser's own state afresh, and try once more.
      if (!(error instanceof ApiError) || error.code !== "invalid_state" || !remote) throw error;
      remote = { ...remote, optimizer: await freshSlots() };
      return patiently({ ...body, state: remote });
    }
  }

  /** train(body), waiting and asking again when the server is busy (429 or 503 from a proxy's
   * rate limit, with its Retry-After), or with half the steps when it ran out of time for them
   * (422 `timeout`): a class behind one address keeps learning, more slowly. */
  async function patiently(body) {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await train(body);
      } catch (error) {
        const timedOut = error instanceof ApiError && error.code === "timeout" && body.steps > 1;
        if (timedOut && attempt < BUSY_RETRIES) {
          // A crowded server ran out of its time for this many steps: fewer now, and from now on.
          pacer.timedOut();
          body = { ...body, steps: Math.floor(body.steps / 2) };
          continue;
        }
        const busyServer = error instanceof ApiError && (error.status === 429 || error.status === 503);
        if (!busyServer || attempt >= BUSY_RETRIES) throw error;
        const seconds = Math.min(BUSY_WAIT_MAX_SECONDS, Math.max(0, error.retryAfter ?? 1));
        await new Promise((resolve) => { setTimeout(resolve, seconds * 1000); });
      }
    }
  }

  /** `steps` more steps (0 just draws the fresh network); one request at a time. The loss curve
   * and the gradient norms come after every step, or (curveEvery k) after each step whose count
   * is a multiple of k: once per epoch while playing, as the Playground's chart — the server then
   * skips the other steps' losses over both splits, most of an epoch's cost beside its steps. */
  async function advance(steps, curveEvery = 1) {
    if (busy) await busy;
    const mine = generation;
    let resolve;
    busy = new Promise((r) => { resolve = r; });
    onBusy(true);
    const started = performance.now();
    try {
      const resp = await send(steps, curveEvery);
      if (mine !== generation) return false;
      if (steps) pacer.measured(performance.now() - started);
      remote = resp.state;
      run.last = readView(resp, s, history, run.last);
      onResult(run.last);
      return true;
    } catch (error) {
      if (mine === generation) onError(error);
      return false;
    } finally {
      busy = null;
      onBusy(false);
      resolve();
    }
  }

  run.advance = advance;

  run.reset = () => {
    generation += 1;
    remote = null;
    pendingMark = null;
    history = createHistory();
    run.last = null;
  };

  /** A live setting changed: the loss chart marks the step it takes effect at; the run keeps its state. */
  run.mark = (label) => {
    pendingMark = label;
  };

  /** The parameter `name` (W2, b1, …) as the server last returned it (null before the first answer). */
  run.param = (name) => (remote?.params?.[name] === undefined ? null : toNumbers(remote.params[name]));

  /** Write one weight (W[j][i]) or bias (b[j]) into the state the next step starts from. */
  run.setParam = async (name, index, value) => {
    if (busy) await busy;
    if (!remote?.params?.[name]) return false;
    const copy = JSON.parse(JSON.stringify(remote.params[name]));
    if (index.length === 2) copy[index[0]][index[1]] = value;
    else copy[index[0]] = value;
    remote = { ...remote, params: { ...remote.params, [name]: copy } };
    history.mark("edit");
    return true;
  };

  // Each play loop has an id: pausing (or a new loop) retires the old one even mid-request.
  let loop = 0;
  run.play = async (stepsPerEpoch) => {
    if (run.playing) return;
    run.playing = true;
    const id = (loop += 1);
    while (run.playing && id === loop) {
      const perEpoch = stepsPerEpoch();
      const ok = await advance(pacer.epochs(perEpoch) * perEpoch, perEpoch);
      if (id !== loop) return;
      if (!ok) {
        run.playing = false;
        break;
      }
      await nextFrame();
    }
  };

  run.pause = () => {
    run.playing = false;
    loop += 1;
  };

  run.redraw = () => run.last && onResult(run.last);

  /** The next minibatch's graph ({source, inputs}) with the network's weights as they are now. */
  run.graph = async (size) => {
    if (busy) await busy;
    const body = { ...trainConfig(s), steps: 0, grid: false, curve: false, graph: true, graph_batch: size };
    if (remote) body.state = remote;
    const resp = await train(body);
    return resp.graph;
  };

  /** The graph playground's link for the next minibatch of the current network. */
  run.graphLink = async (size) => {
    const graph = await run.graph(size);
    return pageLink("/", { source: graph.source, inputs: graph.inputs });
  };

  return run;
}
