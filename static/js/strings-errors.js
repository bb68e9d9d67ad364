// API errors in the user's language. The API sends `code`, an English `message` and the
// parameters a page needs (line, column, name, text, shapes, limit, …; docs/api.md's error
// table). English shows the API's own message; Português (Brasil) words it here from the code
// and the parameters, so that no English sentence reaches a Portuguese page.
import { addStrings, getLanguage, t } from "./i18n.js";

const PT = {
  "err.unknown_function": "função desconhecida '{name}' (conhecidas: {known})",
  "err.wrong_arity": "{name} recebe {expected} argumento(s), recebeu {got}",
  "err.unknown_argument": "{name} não tem o argumento '{argument}'",
  "err.invalid_assignment": "atribua a um único nome simples, não a '{text}'",
  "err.duplicate_name": "'{name}' é atribuído duas vezes",
  "err.duplicate_name.out": "a última linha '{text}' seria chamada 'out', um nome já usado",
  "err.assigned_after_use": "'{name}' é usado como entrada antes desta atribuição",
  "err.bare_expression": "só a última instrução pode ser uma expressão solta: '{text}'",
  "err.forbidden": "isto não é permitido na linguagem de expressões",
  "err.forbidden.statement": "instruções '{construct}' não são permitidas: '{text}'",
  "err.forbidden.underscore": "nomes não podem começar com '_': '{name}'",
  "err.forbidden.construct": "a linguagem de expressões não aceita {construct}: '{text}'",
  "err.forbidden.decimal_comma": "'{text}': no código, o decimal se escreve com ponto (1.5, não 1,5)",
  "err.forbidden.literal": "só números são permitidos como literais, não '{text}'",
  "err.forbidden.expression": "isto não faz parte da linguagem de expressões: '{text}'",
  "err.forbidden.call": "só funções com nome podem ser chamadas, não '{text}'",
  "err.forbidden.slice": "fatias não são permitidas: '{text}'; escolha elementos com inteiros, p. ex. p[1]",
  "err.reserved_name": "'{name}' é uma função e não pode ser uma variável",
  "err.too_deep": "aninhamento com mais de {limit} níveis",
  "err.alias": "'{name} = {name}' dá a um valor o seu próprio nome",
  "err.invalid_index": "índice inválido",
  "err.invalid_index.not_integer": "um índice deve ser um inteiro literal, não '{text}'",
  "err.invalid_index.too_many": "'{text}': {count} índices para um valor de forma {shape}",
  "err.invalid_index.out_of_range": "'{text}': o índice {index} está fora do eixo {axis}, de tamanho {size}",
  "err.invalid_axis": "'{text}': o eixo {axis} não existe num valor de forma {shape}",
  "err.not_a_number": "aqui vai um número literal, não '{text}'",
  "err.invalid_constant": "uma lista deve conter números ou listas de números: '{text}'",
  "err.ragged": "as linhas desta lista têm comprimentos diferentes: '{text}'",
  "err.too_large": "valor grande demais",
  "err.too_large.number": "o número '{text}…' é grande demais",
  "err.too_large.constant": "a constante tem mais de {limit} elementos",
  "err.exponent_too_large": "o expoente '{text}' passa do limite {limit}",
  "err.invalid_source": "o código deve ser texto",
  "err.source_too_long": "o código tem {length} caracteres; o limite é {limit}",
  "err.empty_source": "o código está vazio: escreva p. ex. 'f = (x + y) * max(y, z)'",
  "err.unknown_output": "a saída '{name}' não está definida no código",
  "err.too_many_nodes": "o grafo tem mais de {limit} nós",
  "err.empty_graph": "o grafo não tem nós",
  "err.shape_mismatch": "as formas não combinam",
  "err.shape_mismatch.shapes": "'{text}': não é possível combinar as formas {shapes}: {rule}",
  "err.rule.matmul_inner": "em A @ B as colunas de A devem ser tantas quanto as linhas de B: {columns} ≠ {rows}",
  "err.rule.matmul_scalar": "@ precisa de um vetor ou de uma matriz de cada lado, não de um escalar (use * para multiplicar por um número)",
  "err.rule.matmul_batch": "os eixos iniciais (de lote) não se combinam por broadcasting",
  "err.rule.broadcast": "operações elemento a elemento precisam de formas iguais, ou que o numpy combine por broadcasting (comparadas a partir do último eixo, cada tamanho igual ou 1)",
  "err.rule.op": "{op} não aceita estas formas",
  "err.rule.same_shape": "dot precisa de dois arrays da mesma forma",
  "err.rule.logits": "cross_entropy recebe logits de forma C ou N×C",
  "err.shape_mismatch.rows": "cross_entropy: {rows} linhas de logits, mas {count} índices de classe",
  "err.invalid_gradient": "um gradiente de forma {shapes} não cabe no valor",
  "err.unknown_name": "nome desconhecido '{name}'",
  "err.unknown_name.surface": "uma superfície é função de x e y; '{name}' não é nenhum dos dois",
  "err.missing_input": "falta o valor da entrada '{input}'",
  "err.unknown_input": "'{input}' não é uma entrada do grafo",
  "err.invalid_input": "valor de entrada inválido: use um número ou uma lista aninhada retangular de números",
  "err.invalid_input.named": "entrada '{input}': use um número ou uma lista aninhada retangular de números",
  "err.too_many_elements": "valores grandes demais: passam do limite de elementos",
  "err.too_many_elements.text": "'{text}' calcularia {size} elementos, acima do limite",
  "err.too_many_elements.named": "'{input}' tem mais de {limit} elementos",
  "err.document_too_large": "o documento da avaliação ficaria grande demais: use menos valores, ou valores menores",
  "err.timeout": "a requisição demorou demais: peça menos trabalho por vez",
  "err.too_expensive": "a verificação do gradiente deste grafo demoraria demais: use entradas menores ou em menor número",
  "err.client_disconnected": "a conexão caiu; o trabalho parou",
  "err.step_out_of_range": "o passo {step} está fora de 0…{last}",
  "err.invalid_body": "a requisição não tem a forma documentada",
  "err.invalid_parameter": "parâmetro inválido na requisição",
  "err.invalid_json": "o corpo da requisição não é JSON válido",
  "err.not_found": "caminho inexistente: {path}",
  "err.method_not_allowed": "método não permitido",
  "err.body_too_large": "o corpo da requisição é grande demais",
  "err.unsupported_media_type": "tipo de conteúdo não aceito: envie application/json",
  "err.bad_request": "requisição inválida",
  "err.internal_error": "erro interno do servidor (id {request_id}); tente de novo",
  "err.internal_error.bare": "erro interno do servidor; tente de novo",
  "err.network": "sem resposta da rede",
  "err.http_error": "o servidor respondeu com o erro HTTP {status}",
  "err.rate_limited": "o servidor está ocupado: tente de novo em instantes",
  "err.unknown_dataset": "conjunto de dados desconhecido '{name}'",
  "err.unknown_dataset.bare": "conjunto de dados desconhecido",
  "err.unknown_loss": "função de perda desconhecida '{name}'",
  "err.unknown_init": "inicialização desconhecida '{name}'",
  "err.unknown_activation": "ativação desconhecida '{name}'",
  "err.unknown_optimizer": "otimizador desconhecido '{name}'",
  "err.unknown_schedule": "agenda de taxa de aprendizado desconhecida '{name}'",
  "err.unknown_feature": "característica de entrada desconhecida '{name}'",
  "err.no_features": "escolha ao menos uma característica de entrada",
  "err.invalid_loss": "esta função de perda não serve para estes dados",
  "err.invalid_loss.regression": "'{name}' é um conjunto de regressão: use a perda 'mse'",
  "err.invalid_loss.classes": "{count} classes precisam de uma saída por classe: use a perda 'cross_entropy'",
  "err.invalid_value": "valor inválido",
  "err.invalid_value.field": "valor inválido para {field}",
  "err.invalid_value.min": "{field} deve ser ao menos {min}",
  "err.invalid_value.range": "{field} deve estar entre {min} e {max}",
  "err.invalid_value.nesterov": "o momento de Nesterov pede um momento > 0 e amortecimento zero",
  "err.invalid_value.two_classes": "'{name}' tem duas classes; o número de classes vale para gauss e spiral",
  "err.invalid_value.finite": "os pontos devem ser números finitos",
  "err.invalid_value.label": "o ponto {index} tem o rótulo {value}: as classes são os inteiros de 0 a {max}",
  "err.invalid_state": "o estado enviado não corresponde a este modelo: recomece o treino",
  "err.invalid_model": "toda camada precisa de ao menos um neurônio",
  "err.too_many_steps": "passos demais por chamada: o limite é {limit}",
  "err.too_many_samples": "pontos demais: o limite é {limit}",
  "err.too_many_layers": "camadas demais: o limite é {limit}",
  "err.too_many_neurons": "neurônios demais numa camada: o limite é {limit}",
  "err.invalid_function": "uma superfície deve dar um número em cada (x, y)",
  "err.not_unrollable": "{name} não pode ser desdobrado em portas escalares",
  "err.not_unrollable.bare": "este grafo não pode ser desdobrado em portas escalares",
  "err.too_large_to_unroll.bare": "grande demais para desdobrar em portas escalares",
  "err.unknown_function.bare": "função desconhecida",
  "err.unknown_name.bare": "nome desconhecido",
  "err.missing_input.bare": "falta o valor de uma entrada",
  "err.unknown_input.bare": "há um valor para algo que não é entrada do grafo",
  "err.shape_mismatch.bare": "as formas não combinam",
  "err.too_deep.bare": "aninhamento profundo demais",
  "err.too_many_nodes.bare": "o grafo tem nós demais",
  "err.source_too_long.bare": "o código é longo demais",
  "err.unknown_output.bare": "a saída não está definida no código",
  "err.step_out_of_range.bare": "este passo não existe",
  "err.not_found.bare": "caminho inexistente",
  "err.http_error.bare": "o servidor respondeu com um erro",
  "err.duplicate_name.bare": "um nome é atribuído duas vezes",
  "err.invalid_axis.bare": "este eixo não existe no valor",
  "err.invalid_gradient.bare": "um gradiente não tem a forma do seu valor",
  "err.too_many_steps.bare": "passos demais por chamada",
  "err.too_many_samples.bare": "pontos demais",
  "err.too_many_layers.bare": "camadas demais",
  "err.too_many_neurons.bare": "neurônios demais numa camada",
  "err.unknown_loss.bare": "função de perda desconhecida",
  "err.unknown_init.bare": "inicialização desconhecida",
  "err.unknown_activation.bare": "ativação desconhecida",
  "err.unknown_optimizer.bare": "otimizador desconhecido",
  "err.unknown_schedule.bare": "agenda de taxa de aprendizado desconhecida",
  "err.unknown_feature.bare": "característica de entrada desconhecida",
  "err.too_large_to_unroll": "'{text}' tem {size} elementos; o desdobramento desenha valores de até {limit}",
  "err.too_large_to_unroll.nodes": "o grafo desdobrado teria {count} nós; o limite é {limit}",
  "err.not_unrollable.matmul": "o desdobramento desenha produtos de matrizes apenas entre vetores e matrizes",
  "err.not_unrollable.class_index": "o desdobramento pede índices de classe dados como números, não calculados",
  "err.unknown_function.surface": "função desconhecida '{name}' (conhecidas: {known}, ou uma expressão em x e y)",
  "err.unknown_example": "exemplo desconhecido",
  "err.unknown_lesson": "lição desconhecida",
  "err.invalid_lesson": "o arquivo de lição não tem o formato documentado",
  "err.invalid_gate": "a porta definida pelo usuário falhou",
  "err.unnamed_input": "toda entrada precisa de um nome",
  "err.fallback": "o servidor recusou o pedido ({code})",
  "err.and": " e ",
  "err.scalar": "escalar",
};

// CPython's own syntax messages (the API's `detail`), as Portuguese; the first match wins.
const SYNTAX_PT = [
  [/forgot a comma/i, () => "sintaxe inválida (faltou uma vírgula?)"],
  [/^'(.)' was never closed/, (m) => `'${m[1]}' foi aberto e nunca fechado`],
  [/^unmatched '(.)'/, (m) => `'${m[1]}' fecha algo que não foi aberto`],
  [/^closing parenthesis '(.)' does not match opening parenthesis '(.)'/, (m) => `'${m[1]}' não fecha '${m[2]}'`],
  [/^unexpected indent/, () => "recuo inesperado no início da linha"],
  [/^unindent does not match/, () => "o recuo não corresponde a nenhum nível anterior"],
  [/^expected an indented block/, () => "esperava um bloco recuado"],
  [/^invalid decimal literal/, () => "número inválido (escreva o decimal com ponto: 0.5)"],
  [/^invalid \w+ literal/, () => "número inválido"],
  [/^leading zeros/, () => "zeros à esquerda não são permitidos em números inteiros"],
  [/^unterminated/, () => "texto entre aspas sem fim"],
  [/^unexpected EOF|^invalid syntax$|^expected/, () => "sintaxe inválida"],
  [/^invalid character '(.+?)' \((U\+[0-9A-F]+)\)/, (m) => `caractere inválido '${m[1]}' (${m[2]})`],
  [/^invalid non-printable character (U\+[0-9A-F]+)/, (m) => `caractere invisível inválido ${m[1]}`],
  [/^cannot assign to|^expression cannot contain assignment/, () => "só se pode atribuir a um nome simples (use = uma vez por linha)"],
  [/after line continuation/, () => "caractere inesperado depois de '\\'"],
  [/^positional argument follows keyword/, () => "argumento sem nome depois de um argumento com nome"],
  [/^cannot read the source|null bytes|nested too deeply/, () => "não foi possível ler o código"],
];

function syntaxDetail(detail) {
  for (const [pattern, words] of SYNTAX_PT) {
    const match = pattern.exec(detail || "");
    if (match) return words(match);
  }
  return "sintaxe inválida";
}

// What the parser calls each refused construct (the API's `construct`, Python's ast class name).
const CONSTRUCTS_PT = {
  Attribute: "acessos a atributos", Lambda: "lambdas", ListComp: "compreensões", SetComp: "compreensões",
  DictComp: "compreensões", GeneratorExp: "compreensões", IfExp: "condicionais", Compare: "comparações",
  BoolOp: "operadores booleanos", Starred: "argumentos com *", JoinedStr: "textos entre aspas",
  Dict: "dicionários", Set: "conjuntos", Tuple: "tuplas", NamedExpr: "expressões de atribuição",
};

addStrings({ "pt-BR": PT });

const shapeWords = (shape) => (shape && shape.length ? shape.join("×") : PT["err.scalar"]);

/** The parameters as the Portuguese sentences need them (shapes in words, lists joined, …). */
function filled(error) {
  const p = { ...error.params, code: error.code, status: error.status };
  if (Array.isArray(p.shapes)) {
    p.shape = shapeWords(p.shapes[0]);
    p.shapes = p.shapes.map(shapeWords).join(PT["err.and"]);
  }
  if (Array.isArray(p.known)) p.known = p.known.join(", ");
  if (error.code === "wrong_arity" && p.min !== undefined) p.expected = p.min === p.max ? String(p.min) : `${p.min} a ${p.max}`;
  for (const key of ["limit", "size", "value", "min", "max"]) { // the page's decimal rule, no grouping
    if (typeof p[key] === "number") p[key] = String(p[key]).replace(".", ",").replace(/^-/, "−");
  }
  if (p.construct && CONSTRUCTS_PT[p.construct]) p.construct = CONSTRUCTS_PT[p.construct];
  return p;
}

/** The key of the sentence for this error: a variant when its parameters allow one. */
function keyFor(code, p) {
  const variant = (name) => `err.${code}.${name}`;
  if (code === "forbidden" && p.reason === "construct" && /\d,\s?\d/.test(p.text || "")) return variant("decimal_comma");
  if (p.reason && `err.${code}.${p.reason}` in PT) return variant(p.reason);
  if (code === "duplicate_name" && p.name === "out" && p.text && p.text !== "out") return variant("out");
  if (code === "shape_mismatch" && p.rule === "rows") return variant("rows");
  if (code === "shape_mismatch" && p.shapes && p.rule) return variant("shapes");
  if (code === "invalid_input" && p.input) return variant("named");
  if (code === "too_many_elements" && p.text) return variant("text");
  if (code === "too_many_elements" && p.input && p.limit) return variant("named");
  if (code === "invalid_value" && p.field && p.min !== undefined && p.max !== undefined) return variant("range");
  if (code === "invalid_value" && p.field && p.min !== undefined) return variant("min");
  if (code === "invalid_value" && p.field) return variant("field");
  if (code === "internal_error" && !p.request_id) return variant("bare");
  if (code === "http_error" && p.status === 429) return "err.rate_limited";
  return `err.${code}`;
}

/** The error in the current language: the API's message in English, a Portuguese sentence built
 * from the code and the parameters otherwise — the most specific sentence whose parameters all
 * arrived, then the code's own, then a generic one. */
export function errorText(error) {
  if (!error) return "";
  if (getLanguage() === "en") return error.apiMessage ?? "";
  const p = filled(error);
  if (error.code === "syntax_error") return syntaxDetail(p.detail) + (p.text ? `: '${p.text}'` : "");
  if (p.rule) p.rule = t(`err.rule.${p.rule}`, p);
  const code = error.code;
  for (const key of [keyFor(code, p), `err.${code}`, `err.${code}.bare`, "err.fallback"]) {
    if (!(key in PT)) continue;
    const text = t(key, p);
    if (!/\{\w+\}/.test(text)) return text;
  }
  return t("err.fallback", { code });
}
