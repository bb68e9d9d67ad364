// The page shell shared by every page (templates/base.html): header strings, language switch,
// projector theme. Pages import i18n.js / theme.js themselves for their own strings and keys.
import { addStrings, getLanguage, onLanguageChange, setLanguage } from "./i18n.js";
import { initTheme } from "./theme.js";

addStrings({
  en: {
    "app.title": "chainrule — backpropagation made visible",
    "shell.skip": "Skip to content",
    "shell.nav": "Pages",
    "shell.language": "Language",
    "shell.theme": "Projector",
    "shell.theme.title": "Projector theme: large type, high contrast (p)",
    "nav.graph": "Graph",
    "nav.train": "Train",
    "nav.optimizers": "Optimizers",
    "lang.en": "English",
    "lang.pt-BR": "Português (Brasil)",
  },
  "pt-BR": {
    "app.title": "chainrule — retropropagação à vista",
    "shell.skip": "Ir para o conteúdo",
    "shell.nav": "Páginas",
    "shell.language": "Idioma",
    "shell.theme": "Projetor",
    "shell.theme.title": "Tema de projetor: letra grande, alto contraste (p)",
    "nav.graph": "Grafo",
    "nav.train": "Treino",
    "nav.optimizers": "Otimizadores",
    "lang.en": "English",
    "lang.pt-BR": "Português (Brasil)",
  },
});

function markLanguage(lang) {
  for (const button of document.querySelectorAll("[data-lang]")) {
    button.setAttribute("aria-pressed", String(button.dataset.lang === lang));
  }
}

for (const button of document.querySelectorAll("[data-lang]")) {
  button.addEventListener("click", () => setLanguage(button.dataset.lang));
}
onLanguageChange(markLanguage);
setLanguage(getLanguage());
markLanguage(getLanguage());
initTheme();
