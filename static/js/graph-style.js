// The drawing's own stylesheet, embedded in the <svg> so an exported file looks the same.
// Page colours come from CSS custom properties; the fallbacks are the light theme's.
export const SVG_STYLE = `
.graph { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Noto Sans",
  "Liberation Sans", Arial, sans-serif; }
.graph .wire { fill: none; stroke: var(--wire, #5b6573); stroke-width: var(--stroke, 1.5px);
  stroke-opacity: 0.35; stroke-dasharray: 3 4; }
.graph .wire[data-live="1"] { stroke-opacity: 1; stroke-dasharray: none; }
.graph .wire.active { stroke: var(--accent, #1d5fbf); stroke-width: 3px; stroke-opacity: 1; stroke-dasharray: none; }
.graph .gate { fill: var(--gate-fill, #ffffff); stroke: var(--gate-stroke, #1c2430); stroke-width: var(--stroke, 1.5px); }
.graph .terminal { fill: var(--surface-2, #f0f1ee); stroke: var(--gate-stroke, #1c2430); stroke-width: var(--stroke, 1.5px); }
.graph .constant .terminal { fill: var(--gate-fill, #ffffff); stroke-dasharray: 4 3; }
.graph .output .gate { stroke-width: 3px; }
.graph .symbol { fill: var(--fg, #1c2430); font-weight: 600; dominant-baseline: central; }
.graph .term-label { fill: var(--fg, #1c2430); font-style: italic; font-weight: 600; font-size: calc(15px * var(--graph-text, 1));
  dominant-baseline: central; font-family: "Cambria Math", "STIX Two Math", "Latin Modern Math", Georgia, serif; }
.graph .name { fill: var(--muted, #5b6573); font-style: italic; font-size: calc(13px * var(--graph-text, 1));
  font-family: "Cambria Math", "STIX Two Math", Georgia, serif; }
.graph .val { fill: var(--fg, #1c2430); font-size: calc(14px * var(--graph-text, 1)); font-weight: 650; font-variant-numeric: tabular-nums; }
.graph .grad { fill: var(--grad, #b54708); font-size: calc(14px * var(--graph-text, 1)); font-style: italic; font-weight: 650;
  font-variant-numeric: tabular-nums; }
.graph .edge-grad { font-size: calc(12px * var(--graph-text, 1)); font-weight: 600; }
.graph .halo-text { paint-order: stroke; stroke: var(--bg, #f6f6f3); stroke-width: 4px; stroke-linejoin: round; }
.graph .tensor .cell { font-size: calc(10.5px * var(--graph-text, 1)); font-weight: 600; }
.graph .tensor .shape { font-size: calc(10.5px * var(--graph-text, 1)); font-weight: 600; fill: var(--muted, #5b6573); font-style: normal; }
.graph .tensor.grad .shape { fill: var(--grad, #b54708); font-style: italic; }
.graph .bracket { fill: none; stroke: var(--fg, #1c2430); stroke-width: 1px; }
.graph .tensor.grad .bracket { stroke: var(--grad, #b54708); stroke-dasharray: 2 2; }
.graph .heat-frame { fill: none; stroke: var(--border, #dcdfe3); }
.graph .heat-cell.val.pos { fill: var(--fg, #1c2430); }
.graph .heat-cell.val.neg { fill: var(--accent, #1d5fbf); }
.graph .heat-cell.grad.pos { fill: var(--grad, #b54708); }
.graph .heat-cell.grad.neg { fill: var(--accent, #1d5fbf); }
.graph .heat-cell.nan { fill: none; stroke: var(--bad, #b42318); }
.graph .halo { fill: none; stroke: var(--accent, #1d5fbf); stroke-width: 3px; stroke-dasharray: 6 4; }
.graph .arrow { fill: var(--wire, #5b6573); }
.graph.hide-grads .grad { display: none; }
.graph.far .labels { display: none; }
`;
