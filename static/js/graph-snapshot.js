// The snapshot after step k, derived from the document's steps (DOCUMENT.md "Semantics"):
// every drawn quantity gets the step at which it becomes known; a step shows those ≤ k.

/** For each node and edge, the step index at which its value / gradient is revealed. */
export function revealSteps(doc) {
  const forward = {};
  const backward = {};
  const grad = {};
  for (const step of doc.steps) {
    if (step.phase === "forward") forward[step.node] = step.index;
    else if (step.phase === "backward") backward[step.node] = step.index;
    if ("grad" in step && step.grad !== null && step.grad !== undefined) grad[step.node] = step.index;
  }
  const edgeValue = {};
  const edgeBackward = {};
  for (const edge of doc.edges) {
    edgeValue[edge.id] = forward[edge.source];
    edgeBackward[edge.id] = backward[edge.source];
  }
  return { nodeValue: forward, nodeGrad: grad, edgeValue, edgeBackward };
}

/** Items (anything with a reveal step) bucketed by step, so moving k→k' touches only what changes. */
export function bucketByStep(items, count) {
  const buckets = Array.from({ length: count + 1 }, () => []);
  for (const item of items) {
    const at = Number.isInteger(item.step) ? Math.min(Math.max(item.step, 0), count) : count;
    buckets[at].push(item);
  }
  return buckets;
}

/** The outgoing edges of every node, in document order. */
export function outgoingEdges(doc) {
  const out = Object.fromEntries(doc.nodes.map((n) => [n.id, []]));
  for (const edge of doc.edges) out[edge.source].push(edge);
  return out;
}
