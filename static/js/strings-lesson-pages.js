// Strings of the classroom on /train and /optimizers (the lesson bar, the presenter view),
// English and Português (Brasil). The lesson bar's own words (progress, ← →) come from
// strings-classroom.js, shared with the graph page.
import "./strings-classroom.js";
import { addStrings } from "./i18n.js";

addStrings({
  en: {
    "lessonPage.keys": "← → lesson steps · Esc leaves the lesson",
    "lessonPage.present.title": "Presenter view: the plots fill the screen, + / − make them larger or smaller (p)",
    "lessonPage.theme.title": "Projector theme: large type, high contrast",
    "train.keys.present": "Space: play / pause · →: one epoch · r: reset · p: presenter view · + −: larger, smaller",
  },
  "pt-BR": {
    "lessonPage.keys": "← → passos da lição · Esc sai da lição",
    "lessonPage.present.title": "Modo apresentação: os gráficos ocupam a tela, + / − os aumentam ou diminuem (p)",
    "lessonPage.theme.title": "Tema de projetor: letra grande, alto contraste",
    "train.keys.present": "Espaço: executar / pausar · →: uma época · r: reiniciar · p: modo apresentação · + −: maior, menor",
  },
});
