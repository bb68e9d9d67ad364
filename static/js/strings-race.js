// The /optimizers strings for typed surfaces, the rate slider and what each step does, in
// English and Português (Brasil) (strings-train.js has the rest of the race's).
import { addStrings } from "./i18n.js";

addStrings({
  en: {
    "surf.expression": "Your own f(x, y)",
    "race.expr": "f(x, y) =",
    "race.examples": "Examples",
    "race.example.pick": "choose…",
    "race.example.himmelblau": "Himmelblau (four minima)",
    "race.example.booth": "Booth",
    "race.example.camel": "Three-hump camel",
    "race.example.rastrigin": "Rastrigin (many minima)",
    "race.exprError": "The surface could not be used: {message}",
    "race.axis": "step (budget: {n} each)",
    "race.lrSlider": "Learning rate (log scale)",
    "race.inspect.grad": "∇f {v}",
    "race.inspect.update": "update {v}",
    "race.inspect.carry": "momentum carried {v}",
    "race.inspect.scale": "scale per coordinate {v}",
    "race.arrows": "Paused: dashed — the steepest descent −∇f; solid — the step each optimiser takes (as long as plain SGD's step would be, when it is SGD's); dotted — momentum carried over; box — how much each coordinate's step is scaled.",
  },
  "pt-BR": {
    "surf.expression": "Sua própria f(x, y)",
    "race.expr": "f(x, y) =",
    "race.examples": "Exemplos",
    "race.example.pick": "escolha…",
    "race.example.himmelblau": "Himmelblau (quatro mínimos)",
    "race.example.booth": "Booth",
    "race.example.camel": "Camelo de três corcovas",
    "race.example.rastrigin": "Rastrigin (muitos mínimos)",
    "race.exprError": "A superfície não pôde ser usada: {message}",
    "race.axis": "passo (orçamento: {n} cada)",
    "race.lrSlider": "Taxa de aprendizado (escala logarítmica)",
    "race.inspect.grad": "∇f {v}",
    "race.inspect.update": "atualização {v}",
    "race.inspect.carry": "momento carregado {v}",
    "race.inspect.scale": "escala por coordenada {v}",
    "race.arrows": "Em pausa: tracejada — a descida mais íngreme −∇f; cheia — o passo que cada otimizador dá (do tamanho do passo do SGD simples, quando é o do SGD); pontilhada — o momento carregado; caixa — quanto o passo de cada coordenada é escalado.",
  },
});
