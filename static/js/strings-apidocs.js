// The API's own descriptions (FastAPI's OpenAPI: summaries, descriptions, fields, examples) in
// Português (Brasil), keyed by their English text with whitespace collapsed. A text not here —
// one changed or added in app/ since — shows in English, never blank.
import { getLanguage } from "./i18n.js";

const PT = {
  "Backpropagation made visible. `POST /api/v1/evaluate` turns an expression such as `a = x + y; b = max(y, z); f = a * b` into its computational graph with every node's value and gradient, every edge's upstream × local = downstream, the forward/backward steps and a layout. Errors are `{\"error\": {\"code\", \"message\", \"line\"?, \"column\"?, \"input\"?}}`; every response carries an `X-Request-ID` (yours, if you send a short one). See docs/api.md.":
    "A retropropagação à vista. `POST /api/v1/evaluate` transforma uma expressão como `a = x + y; b = max(y, z); f = a * b` no seu grafo computacional, com o valor e o gradiente de cada nó, o a montante × local = a jusante de cada aresta, os passos da ida e da volta e um layout. Os erros são `{\"error\": {\"code\", \"message\", \"line\"?, \"column\"?, \"input\"?, …}}`, com os parâmetros que uma página precisa para escrevê-los no seu idioma; toda resposta traz um `X-Request-ID` (o seu, se você mandar um curto). Veja docs/api.md.",
  "Liveness: the worker answers": "Vivacidade: o processo responde",
  "Answered on the event loop without touching the engine: a slow answer means a busy worker.":
    "Respondida no laço de eventos sem tocar no motor: uma resposta lenta indica um processo ocupado.",
  "Successful Response": "Resposta bem-sucedida",
  "Evaluate a graph: forward, backward, every edge's upstream × local = downstream":
    "Avaliar um grafo: ida, volta, o a montante × local = a jusante de cada aresta",
  "The graph of `source` with every node's value and gradient, every edge's forward value and upstream, local and downstream gradients, the forward/backward/accumulate steps in order and a layout. With `step` (query or body) every node and edge as it stands after that step.":
    "O grafo de `source` com o valor e o gradiente de cada nó, o valor de ida e os gradientes a montante, local e a jusante de cada aresta, os passos de ida/volta/soma em ordem e um layout. Com `step` (na consulta ou no corpo), cada nó e aresta como estão depois desse passo.",
  "Return the snapshot after this step (overrides the body's `step`).":
    "Devolver o retrato depois deste passo (tem precedência sobre o `step` do corpo).",
  "The evaluation document.": "O documento da avaliação.",
  "The source or the inputs cannot be evaluated.": "O código ou as entradas não podem ser avaliados.",
  "The body or a value exceeds a limit.": "O corpo ou um valor passa de um limite.",
  "The body or a parameter does not have the documented form.": "O corpo ou um parâmetro não tem a forma documentada.",
  "Our bug, logged under the request id it names.": "Um erro nosso, registrado sob o id de requisição que ele informa.",
  "Check the engine's gradients against central finite differences":
    "Verificar os gradientes do motor contra diferenças finitas centrais",
  "Same body as /evaluate. For every input element, the analytic gradient against (f(x + h) − f(x − h)) / 2h in float64; `passed` when every relative error is small.":
    "O mesmo corpo de /evaluate. Para cada elemento de entrada, o gradiente analítico contra (f(x + h) − f(x − h)) / 2h em float64; `passed` quando todo erro relativo é pequeno.",
  "Analytic against numeric gradients.": "Gradientes analíticos contra numéricos.",
  "List every op: symbol, arity and the formula of each local gradient":
    "Listar todas as operações: símbolo, aridade e a fórmula de cada gradiente local",
  "Every op, in the engine's order.": "Todas as operações, na ordem do motor.",
  "The request cannot be carried out as given.": "A requisição não pode ser atendida como está.",
  "List the built-in graphs, each a valid /evaluate body": "Listar os grafos prontos, cada um um corpo válido para /evaluate",
  "The built-in graphs, the lecture example first.": "Os grafos prontos, o exemplo da aula primeiro.",
  "Get one built-in graph, optionally with inputs drawn from a seed":
    "Obter um grafo pronto, opcionalmente com entradas sorteadas de uma semente",
  "An id from GET /api/v1/examples.": "Um id de GET /api/v1/examples.",
  "Draw fresh inputs from this seed (each student their own numbers).":
    "Sortear novas entradas desta semente (cada aluno com os seus números).",
  "One built-in graph.": "Um grafo pronto.",
  "No such example.": "Exemplo inexistente.",
  "Train": "Treinar",
  "Stateless training steps: pass the returned `state` back to continue the run exactly.":
    "Passos de treino sem estado no servidor: devolva o `state` recebido para continuar exatamente a mesma execução.",
  "The configuration or the state cannot be used.": "A configuração ou o estado não podem ser usados.",
  "The body does not have the documented form.": "O corpo não tem a forma documentada.",
  "Optimize": "Otimizar",
  "One optimiser on a 2-d test function — a built-in name or an expression in x and y — its path from `start`, step by step, as torch.optim takes it.":
    "Um otimizador numa função de teste em 2-d — um nome pronto ou uma expressão em x e y — e seu caminho a partir de `start`, passo a passo, como o torch.optim o percorre.",
  "Optimizers": "Otimizadores",
  "Every optimiser's declaration (PyTorch's class, hyper-parameter names and defaults, the state it keeps) and every learning-rate schedule's: the pages read these, no second copy.":
    "A declaração de cada otimizador (a classe do PyTorch, os nomes e padrões dos hiperparâmetros, o estado que guarda) e de cada agenda da taxa de aprendizado: as páginas leem isto, sem segunda cópia.",
  "Every lesson: id, title in English and Português (Brasil), step count":
    "Todas as lições: id, título em inglês e em português (Brasil), número de passos",
  "One lesson with its steps (docs/lessons.md)": "Uma lição com os seus passos (docs/lessons.md)",
  "The lesson's id (its file name).": "O id da lição (o nome do seu arquivo).",
  "No such lesson.": "Lição inexistente.",
  "Validate a lesson file's contents; returns it as it would be served":
    "Validar o conteúdo de um arquivo de lição; devolve-o como seria servido",
  "points before the split (≤ max_train_samples)": "pontos antes da divisão (≤ max_train_samples)",
  "the Playground's noise fraction (its slider is 0 … 0.5)": "a fração de ruído do Playground (seu controle vai de 0 a 0,5)",
  "gauss and spiral: how many classes (2 … 5)": "gauss e spiral: quantas classes (2 … 5)",
  "name \"custom\": the points [x1, x2, label] (≤ max_train_samples); labels are the classes 0 … 4, or the target when task is \"regression\"":
    "name \"custom\": os pontos [x1, x2, rótulo] (≤ max_train_samples); os rótulos são as classes 0 … 4, ou o alvo quando task é \"regression\"",
  "name \"custom\": what the third number of a point is": "name \"custom\": o que é o terceiro número de um ponto",
  "A number, a nested list (tensor), null (not reached yet), or \"NaN\"/\"Infinity\"/\"-Infinity\".":
    "Um número, uma lista aninhada (tensor), null (ainda não alcançado) ou \"NaN\"/\"Infinity\"/\"-Infinity\".",
  "Stable and machine-readable, e.g. `syntax_error`, `missing_input`.": "Estável e legível por programas, p. ex. `syntax_error`, `missing_input`.",
  "What is wrong, naming the field, text or limit, in English.":
    "O que está errado, nomeando o campo, o texto ou o limite, em inglês (os parâmetros ao lado permitem escrevê-lo em outro idioma).",
  "1-based line of the offending source text.": "Linha (a partir de 1) do trecho com problema.",
  "1-based column of the offending source text.": "Coluna (a partir de 1) do trecho com problema.",
  "The input the error is about, by its name.": "A entrada de que o erro trata, pelo nome.",
  "A request the API refuses: fix what `error` names and send it again.":
    "Uma requisição que a API recusa: corrija o que `error` aponta e envie de novo.",
  "A graph in the expression language and a value for each free name. The schema bounds every field; the running settings bound them further (source length, nodes, elements: CHAINRULE_MAX_*), checked in app.service with errors that name the limit. Input values are read level by level, never recursively, whatever their nesting.":
    "Um grafo na linguagem de expressões e um valor para cada nome livre. O esquema limita cada campo; as configurações em uso limitam mais (tamanho do código, nós, elementos: CHAINRULE_MAX_*), verificadas em app.service com erros que nomeiam o limite. Os valores de entrada são lidos nível a nível, nunca recursivamente, qualquer que seja o aninhamento.",
  "Statements `name = expression`, one per line or separated by `;` (at most CHAINRULE_MAX_SOURCE_CHARS characters).":
    "Instruções `nome = expressão`, uma por linha ou separadas por `;` (no máximo CHAINRULE_MAX_SOURCE_CHARS caracteres).",
  "A value for every free name.": "Um valor para cada nome livre.",
  "The node to differentiate; default the last statement.": "O nó a derivar; por padrão, a última instrução.",
  "∂L/∂output; default ones of its shape.": "∂L/∂saída; por padrão, uns na forma dela.",
  "Return the snapshot after this step (from 0).": "Devolver o retrato depois deste passo (a partir de 0).",
  "Expand every tensor op into scalar gates (W @ x → the products W[i,j]·x[j] and their sums); inputs become scalar nodes named like `W[0,1]`. Values of at most 64 elements.":
    "Desdobrar cada operação de tensores em portas escalares (W @ x → os produtos W[i,j]·x[j] e suas somas); as entradas viram nós escalares com nomes como `W[0,1]`. Valores de no máximo 64 elementos.",
  "Present in a snapshot: the step it stands after.": "Presente num retrato: o passo depois do qual ele está.",
  "row i at y = yᵢ: the class-1 output (binary), the confidence (more classes) or the prediction":
    "linha i em y = yᵢ: a saída da classe 1 (binária), a confiança (mais classes) ou a previsão",
  "cross-entropy: the predicted class per cell": "entropia cruzada: a classe prevista em cada célula",
  "cross-entropy: its probability": "entropia cruzada: a probabilidade dela",
  "The X-Request-ID under which the server logged the traceback.": "O X-Request-ID sob o qual o servidor registrou o rastreamento.",
  "Our bug, not the request's: report it with the request id.": "Um erro nosso, não da requisição: relate-o com o id da requisição.",
  "Waypoints of wires that span several layers, keyed 'source->target'.":
    "Pontos de passagem dos fios que cruzam várias camadas, com chave 'origem->destino'.",
  "hidden layer sizes": "tamanhos das camadas ocultas",
  "initial parameters and every epoch's shuffle": "parâmetros iniciais e o embaralhamento de cada época",
  "Other names the source gives this node (`t = x`).": "Outros nomes que o código dá a este nó (`t = x`).",
  "Literal-only arguments with their defaults: a slope, clamp's bounds (±Infinity: none), an axis (null: every axis), an index.":
    "Argumentos só literais, com seus padrões: uma inclinação, os limites de clamp (±Infinity: nenhum), um eixo (null: todos os eixos), um índice.",
  "a built-in surface (bowl, ravine, rosenbrock, saddle, beale) or an expression in x and y in the graph language, e.g. (x ** 2 + y - 11) ** 2 + (x + y ** 2 - 7) ** 2":
    "uma superfície pronta (bowl, ravine, rosenbrock, saddle, beale) ou uma expressão em x e y na linguagem dos grafos, p. ex. (x ** 2 + y - 11) ** 2 + (x + y ** 2 - 7) ** 2",
  "≤ max_optimize_steps": "≤ max_optimize_steps",
  "return the contour grid of the function": "devolver a grade de curvas de nível da função",
  "an expression's square (default [-5, 5])": "o quadrado de uma expressão (padrão [-5, 5])",
  "PyTorch's class, e.g. torch.optim.Adam": "a classe do PyTorch, p. ex. torch.optim.Adam",
  "one sentence, in en and pt-BR": "uma frase, em en e pt-BR",
  "hyper-parameter → PyTorch's default": "hiperparâmetro → padrão do PyTorch",
  "what the optimiser keeps per parameter": "o que o otimizador guarda por parâmetro",
  "`name` and any of its torch.optim hyper-parameters; unset ones take PyTorch's defaults.":
    "`name` e qualquer dos seus hiperparâmetros do torch.optim; os não dados recebem os padrões do PyTorch.",
  "lr at epoch e (PyTorch's schedulers in closed form): constant lr; step lr·gamma^⌊e/step_size⌋ (defaults 3, 0.1); multistep lr·gamma^(milestones ≤ e) (defaults [3, 6], 0.1); exponential lr·gamma^e (0.95); cosine eta_min + (lr − eta_min)(1 + cos(πe/T_max))/2 (10, 0); inverse_time lr/(1 + decay_rate·e) (0.5).":
    "lr na época e (os agendadores do PyTorch em forma fechada): constant lr; step lr·gamma^⌊e/step_size⌋ (padrões 3, 0,1); multistep lr·gamma^(marcos ≤ e) (padrões [3, 6], 0,1); exponential lr·gamma^e (0,95); cosine eta_min + (lr − eta_min)(1 + cos(πe/T_max))/2 (10, 0); inverse_time lr/(1 + decay_rate·e) (0,5).",
  "adds (l2/2)·Σ‖W‖² to the loss": "soma (l2/2)·Σ‖W‖² à perda",
  "adds l1·Σ|W| to the loss": "soma l1·Σ|W| à perda",
  "l2 and l1 cover the biases too": "l2 e l1 valem também para os vieses",
  "optimiser steps in this call (≤ max_train_steps)": "passos do otimizador nesta chamada (≤ max_train_steps)",
  "return the model's output over the data square": "devolver a saída do modelo sobre o quadrado dos dados",
  "with grid: every neuron's output over an m × m grid (m = neuron_grid_size)":
    "com grid: a saída de cada neurônio numa grade m × m (m = neuron_grid_size)",
  "return the train and test points with their labels": "devolver os pontos de treino e de teste com seus rótulos",
  "record train/test loss after every step": "registrar a perda de treino/teste depois de cada passo",
  "record loss_curve and gradient_norms only after the steps whose count is a multiple of curve_every (their steps in curve_steps); the page asks one entry per epoch, as the TensorFlow Playground's chart does":
    "registrar loss_curve e gradient_norms só depois dos passos cuja contagem é múltipla de curve_every (esses passos em curve_steps); a página pede uma entrada por época, como faz o gráfico do TensorFlow Playground",
  "with curve_every > 1: the step count after which each entry was recorded":
    "com curve_every > 1: a contagem de passos depois da qual cada entrada foi registrada",
  "return the next minibatch's graph as an /evaluate body": "devolver o grafo do próximo minilote como um corpo de /evaluate",
  "number of classes (0 for regression)": "número de classes (0 para regressão)",
  "The `state` a /train response returned, passed back unchanged to continue the run.":
    "O `state` que uma resposta de /train devolveu, enviado de volta sem mudança para continuar a execução.",
  // the request examples' names
  "The lecture example f = (x + y) · max(y, z)": "O exemplo da aula f = (x + y) · max(y, z)",
  "The same, as it stands after step 7": "O mesmo, como está depois do passo 7",
  "A seed gradient ∂L/∂f = 2": "Um gradiente semente ∂L/∂f = 2",
  "A sigmoid neuron": "Um neurônio sigmoide",
  "Tensors: the score s = uᵀσ(Wx + b)": "Tensores: o escore s = uᵀσ(Wx + b)",
  "A 2-layer MLP with MSE": "Um MLP de 2 camadas com EQM",
  "A lesson in the format of docs/lessons.md": "Uma lição no formato de docs/lessons.md",
};

const key = (text) => String(text).replace(/\s+/g, " ").trim();
const TABLE = new Map(Object.entries(PT).map(([en, pt]) => [key(en), pt]));

/** One of the API's texts in the current language (English when it has no translation yet). */
export function apiText(text) {
  if (!text || getLanguage() !== "pt-BR") return text;
  return TABLE.get(key(text)) ?? text;
}
