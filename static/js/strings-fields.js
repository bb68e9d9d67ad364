// The numeric fields' messages (number-field.js), in English and Português (Brasil): what to type
// instead, in the page's words rather than the browser's (which speak the browser's language).
import { addStrings } from "./i18n.js";

addStrings({
  en: {
    "field.notNumber": "Type a number, such as {example}.",
    "field.between": "Use a number from {min} to {max}.",
    "field.min": "Use a number of at least {min}.",
    "field.max": "Use a number of at most {max}.",
    "field.whole": "Use a whole number.",
  },
  "pt-BR": {
    "field.notNumber": "Digite um número, como {example}.",
    "field.between": "Use um número de {min} a {max}.",
    "field.min": "Use um número maior ou igual a {min}.",
    "field.max": "Use um número menor ou igual a {max}.",
    "field.whole": "Use um número inteiro.",
  },
});
