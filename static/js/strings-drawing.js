// The drawing's own strings (static/js/graph*.js), English and Português (Brasil).
import { addStrings } from "./i18n.js";

addStrings({
  en: { "drawing.constant": "const" },
  "pt-BR": { "drawing.constant": "const" },
});
