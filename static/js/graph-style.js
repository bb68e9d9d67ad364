// The drawing's stylesheet text (static/css/graph.css), fetched once so an exported SVG can carry
// it: the page itself links the file (a CSP allowing only 'self' forbids an inline <style>).
const URL_PATH = "/static/css/graph.css";
let text = "";
const ready = typeof fetch === "function"
  ? fetch(URL_PATH).then((r) => (r.ok ? r.text() : "")).then((body) => { text = body; }).catch(() => {})
  : Promise.resolve();

/** The stylesheet's text ("" until it has arrived: await svgStyleReady first when it matters). */
export const svgStyle = () => text;
export const svgStyleReady = ready;
