// The touch hints (touch.js), in English and Português (Brasil): what a finger does where a
// keyboard or a mouse hint would say what a key or the hover does.
import { addStrings } from "./i18n.js";

addStrings({
  en: {
    "touch.graph.hint": "Drag to pan · pinch to zoom · tap a gate to read it",
    "touch.keys.label": "Touch",
    "touch.keys.step": "the buttons at the bottom: step by step, play / pause",
    "touch.keys.slide": "the slider above them: jump to any step",
    "touch.keys.zoom": "pinch with two fingers to zoom, drag to pan",
    "touch.keys.expand": "tap a gate too small to read: it zooms in to it",
    "touch.keys.reveal": "tap a hidden number (?) to reveal it",
    "touch.keys.fit": "Fit frames the whole graph again",
    "touch.train.keys": "▶: play / pause · ▶|: one epoch · ↺: reset · tap a neuron or a wire to see and edit its weights",
    "touch.train.neuron": "Tap a neuron to see its output in the big picture.",
    "touch.data.hint": "Tap the data plot to add a point of the chosen class, drag a point to move it. CSV: x1,x2,label or x1,x2,y.",
    "touch.race.hint": "Tap or drag on the plot to move the start · ▶: race",
    "touch.wc.hint": "Type a value and tap the keyboard's Enter; × closes.",
    "touch.quiz.noQuestion": "No question at this step: ▶ to go on.",
    "touch.quiz.done": "Answered. ▶ for the next step.",
  },
  "pt-BR": {
    "touch.graph.hint": "Arraste para mover · afaste dois dedos para ampliar · toque numa porta para lê-la",
    "touch.keys.label": "Toque",
    "touch.keys.step": "os botões embaixo: passo a passo, reproduzir / pausar",
    "touch.keys.slide": "o controle deslizante acima deles: salte para qualquer passo",
    "touch.keys.zoom": "afaste ou aproxime dois dedos para ampliar, arraste para mover",
    "touch.keys.expand": "toque numa porta pequena demais para ler: a vista se aproxima dela",
    "touch.keys.reveal": "toque num número oculto (?) para revelá-lo",
    "touch.keys.fit": "Ajustar enquadra o grafo inteiro de novo",
    "touch.train.keys": "▶: executar / pausar · ▶|: uma época · ↺: reiniciar · toque num neurônio ou numa ligação para ver e editar seus pesos",
    "touch.train.neuron": "Toque num neurônio para ver sua saída no quadro grande.",
    "touch.data.hint": "Toque no gráfico dos dados para acrescentar um ponto da classe escolhida, arraste um ponto para movê-lo. CSV: x1,x2,label ou x1,x2,y.",
    "touch.race.hint": "Toque ou arraste no gráfico para mover a partida · ▶: correr",
    "touch.wc.hint": "Digite um valor e toque em Enter no teclado; × fecha.",
    "touch.quiz.noQuestion": "Nenhuma pergunta neste passo: ▶ para seguir.",
    "touch.quiz.done": "Respondido. ▶ para o próximo passo.",
  },
});
