"""The built-in graphs, lecture example first. Each `source` + `inputs` is a valid /evaluate body.

An explanation is written once as a template whose numbers are placeholders — `{a}` the value of
node a, `{d:y}` the gradient ∂out/∂y — filled from an evaluation of the inputs it is shown with, so
the text never states numbers the drawing does not show. `example_for(id, seed)` draws fresh inputs
from a seed (a quiz gives each student their own numbers) and fills the text from them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np

import engine


def _example(
    id: str, title: tuple[str, str], explanation: tuple[str, str], source: str, inputs: dict
) -> dict:
    return {
        "id": id,
        "title": {"en": title[0], "pt-BR": title[1]},
        "explanation": {"en": explanation[0], "pt-BR": explanation[1]},
        "source": source,
        "inputs": inputs,
    }


_TEMPLATES: tuple[dict[str, Any], ...] = (
    _example(
        "lecture",
        ("The lecture example: f = (x + y) · max(y, z)", "O exemplo da aula: f = (x + y) · max(y, z)"),
        (
            "The classic slide. Forward: a = x + y = {a}, b = max(y, z) = {b}, f = a · b = {f}. Backward from "
            "∂f/∂f = 1: the × gate swaps its inputs (∂f/∂a = b = {b}, ∂f/∂b = a = {a}), the + gate passes the "
            "gradient on, and max routes it to the larger input only, so z gets 0. y feeds both a and b, so "
            "its gradient is the sum {b} + {a} = {d:y}.",
            "O slide clássico. Ida: a = x + y = {a}, b = max(y, z) = {b}, f = a · b = {f}. Volta a partir de "
            "∂f/∂f = 1: a porta × troca as entradas (∂f/∂a = b = {b}, ∂f/∂b = a = {a}), a porta + repassa o "
            "gradiente e o max o encaminha só para a maior entrada, então z recebe 0. y alimenta a e b, então "
            "seu gradiente é a soma {b} + {a} = {d:y}.",
        ),
        "a = x + y\nb = max(y, z)\nf = a * b",
        {"x": 1, "y": 2, "z": 0},
    ),
    _example(
        "sigmoid_neuron",
        ("A single sigmoid neuron", "Um único neurônio sigmoide"),
        (
            "f = σ(w0·x0 + w1·x1 + w2): the weighted sum is z = {z} and σ({z}) ≈ {f}. The sigmoid's local "
            "gradient is σ(z)(1 − σ(z)) ≈ {d:z}, which then flows back through the + gates unchanged and "
            "through each × gate multiplied by the other input: ∂f/∂w0 = x0 · {d:z} = {d:w0}.",
            "f = σ(w0·x0 + w1·x1 + w2): a soma ponderada é z = {z} e σ({z}) ≈ {f}. O gradiente local da "
            "sigmoide é σ(z)(1 − σ(z)) ≈ {d:z}, que volta pelas portas + sem mudança e por cada porta × "
            "multiplicado pela outra entrada: ∂f/∂w0 = x0 · {d:z} = {d:w0}.",
        ),
        "z = w0 * x0 + w1 * x1 + w2\nf = sigmoid(z)",
        {"w0": 2, "x0": -1, "w1": -3, "x1": -2, "w2": -3},
    ),
    _example(
        "fan_out",
        ("Fan-out: a value used twice", "Ramificação: um valor usado duas vezes"),
        (
            "x feeds two gates, so two gradients come back to it and are added: f = 3x + x² gives "
            "∂f/∂x = 3 + 2x = {d:x} at x = {x}. The backward pass shows the two downstream gradients (3 and 2x) "
            "and then a separate step that sums them — the multivariable chain rule, ∂f/∂x = Σᵢ ∂f/∂yᵢ · ∂yᵢ/∂x.",
            "x alimenta duas portas, então dois gradientes voltam até ele e são somados: f = 3x + x² dá "
            "∂f/∂x = 3 + 2x = {d:x} em x = {x}. A volta mostra os dois gradientes descendentes (3 e 2x) e depois "
            "um passo separado que os soma — a regra da cadeia multivariável, ∂f/∂x = Σᵢ ∂f/∂yᵢ · ∂yᵢ/∂x.",
        ),
        "a = 3 * x\nb = x ** 2\nf = a + b",
        {"x": 2},
    ),
    _example(
        "window_score",
        ("The score s = uᵀ f(Wx + b)", "O escore s = uᵀ f(Wx + b)"),
        (
            "A one-hidden-layer scorer from the notes: z = Wx + b, h = σ(z), s = uᵀh. Backward, "
            "δ = ∂s/∂z = u ⊙ σ′(z) is the error signal at the hidden layer (⊙: element by element, since "
            "the σ gate's local Jacobian is diag(σ′(z))); then ∂s/∂b = δ and ∂s/∂W = δ xᵀ: the outer "
            "product of δ as a column (2×1) and xᵀ as a row (1×3), whose cell i, j is δᵢ·xⱼ, with the shape "
            "of W, 2×3 (the notes write δᵀxᵀ, δ as a row). ∂s/∂x = Wᵀδ, a matrix product. Step to W to see "
            "the six products, or switch on Unroll to see each one as a scalar × gate.",
            "Um pontuador de uma camada oculta das notas: z = Wx + b, h = σ(z), s = uᵀh. Na volta, "
            "δ = ∂s/∂z = u ⊙ σ′(z) é o sinal de erro da camada oculta (⊙: elemento a elemento, pois a "
            "jacobiana local da porta σ é diag(σ′(z))); então ∂s/∂b = δ e ∂s/∂W = δ xᵀ: o produto externo "
            "de δ como coluna (2×1) por xᵀ como linha (1×3), cuja célula i, j é δᵢ·xⱼ, com a forma de W, 2×3 "
            "(as notas escrevem δᵀxᵀ, δ como linha). ∂s/∂x = Wᵀδ, um produto matricial. Vá até W para ver os "
            "seis produtos, ou ligue Desenrolar para ver cada um como uma porta × escalar.",
        ),
        "z = W @ x + b\nh = sigmoid(z)\ns = dot(u, h)",
        {
            "W": [[0.5, -0.2, 0.1], [0.3, 0.8, -0.5]],
            "x": [1.0, 2.0, -1.0],
            "b": [0.1, -0.1],
            "u": [1.0, -2.0],
        },
    ),
    _example(
        "mlp_mse",
        ("A 2-layer MLP with mean squared error", "Um MLP de 2 camadas com erro quadrático médio"),
        (
            "h = relu(W1 x + b1), y = W2 h + b2, loss = mean((y − t)²). The loss gradient δ = 2(y − t)/n "
            "enters at the top, the second layer's weights get the outer product ∂loss/∂W2 = δ hᵀ, and the "
            "relu (local Jacobian diag(relu′)) multiplies element by element, δ ⊙ relu′: it lets the "
            "gradient through only where its input was positive — a dead unit passes nothing back.",
            "h = relu(W1 x + b1), y = W2 h + b2, perda = média((y − t)²). O gradiente da perda δ = 2(y − t)/n "
            "entra pelo topo, os pesos da segunda camada recebem o produto externo ∂perda/∂W2 = δ hᵀ, e a "
            "relu (jacobiana local diag(relu′)) multiplica elemento a elemento, δ ⊙ relu′: só deixa o "
            "gradiente passar onde sua entrada era positiva — uma unidade morta não devolve nada.",
        ),
        "h = relu(W1 @ x + b1)\ny = W2 @ h + b2\nloss = mse(y, t)",
        {
            "W1": [[0.2, -0.4], [0.7, 0.1], [-0.3, 0.5]],
            "b1": [0.1, 0.0, -0.2],
            "x": [1.0, 2.0],
            "W2": [[0.6, -0.1, 0.3], [-0.5, 0.4, 0.2]],
            "b2": [0.0, 0.1],
            "t": [1.0, -1.0],
        },
    ),
    _example(
        "softmax_cross_entropy",
        ("Softmax cross-entropy", "Entropia cruzada com softmax"),
        (
            "Scores s = Wx go through softmax and the loss is −log of the probability of the correct class "
            "(here class 2). Its gradient with respect to the scores is famously simple: softmax(s) − onehot, "
            "the predicted probabilities minus 1 at the correct class. The class index itself gets no "
            "gradient.",
            "Os escores s = Wx passam pela softmax e a perda é −log da probabilidade da classe correta "
            "(aqui a classe 2). Seu gradiente em relação aos escores é famosamente simples: softmax(s) − onehot, "
            "as probabilidades previstas menos 1 na classe correta. O índice da classe não recebe gradiente.",
        ),
        "s = W @ x\nloss = cross_entropy(s, 2)",
        {"W": [[0.2, -0.5], [1.5, 1.3], [0.0, 0.25]], "x": [1.0, -2.0]},
    ),
    _example(
        "max_margin",
        ("The max-margin (hinge) loss", "A perda de margem máxima (hinge)"),
        (
            "The window classifier of the notes scores a true window x and a corrupt one x_c with the same "
            "network, s = uᵀσ(Wx + b), and pays J = max(0, 1 − s + s_c) until the true score beats the corrupt "
            "one by a margin of 1. While the margin is violated the gradient pushes s up and s_c down; W, b and "
            "u are shared, so their gradients sum contributions from both windows.",
            "O classificador de janelas das notas pontua uma janela verdadeira x e uma corrompida x_c com a "
            "mesma rede, s = uᵀσ(Wx + b), e paga J = max(0, 1 − s + s_c) até que o escore verdadeiro supere o "
            "corrompido por uma margem de 1. Enquanto a margem é violada, o gradiente empurra s para cima e "
            "s_c para baixo; W, b e u são compartilhados, então seus gradientes somam as contribuições das "
            "duas janelas.",
        ),
        "s = dot(u, sigmoid(W @ x + b))\ns_c = dot(u, sigmoid(W @ x_c + b))\nJ = hinge(s, s_c)",
        {
            "W": [[0.4, -0.6], [0.2, 0.9]],
            "b": [0.0, 0.1],
            "u": [1.0, -0.5],
            "x": [1.0, 0.5],
            "x_c": [-0.5, 1.0],
        },
    ),
    _example(
        "activations",
        ("Activation gallery", "Galeria de ativações"),
        (
            "Five activations on the same inputs, summed so that one backward pass shows every local "
            "gradient: σ′ = σ(1 − σ) never exceeds 0.25, tanh′ = 1 − tanh² peaks at 1, hardtanh′ is 1 inside "
            "(−1, 1) and 0 outside, relu′ is 0 for negative inputs and 1 for positive ones, and leaky relu keeps "
            "a slope of 0.01 on the negative side so the gradient never dies completely.",
            "Cinco ativações sobre as mesmas entradas, somadas para que uma só volta mostre cada gradiente "
            "local: σ′ = σ(1 − σ) nunca passa de 0,25, tanh′ = 1 − tanh² chega a 1, hardtanh′ é 1 dentro de "
            "(−1, 1) e 0 fora, relu′ é 0 para entradas negativas e 1 para positivas, e a leaky relu mantém "
            "uma inclinação de 0,01 no lado negativo para que o gradiente nunca morra por completo.",
        ),
        "a1 = sigmoid(x)\na2 = tanh(x)\na3 = hardtanh(x)\na4 = relu(x)\na5 = leaky_relu(x)\n"
        "f = a1 + a2 + a3 + a4 + a5",
        {"x": [-2.0, -0.5, 0.5, 2.0]},
    ),
    _example(
        "cross_entropy_steps",
        (
            "Cross-entropy step by step: softmax → pick → −log",
            "Entropia cruzada passo a passo: softmax → escolher → −log",
        ),
        (
            "The fused cross_entropy gate of the previous preset, written out: p = softmax(s), pick the "
            "probability of the true class p[2] = {p2}, and loss = −log p[2] = {loss}. Backward, −log sends "
            "−1/p[2] = {d:p2} to the pick; the pick scatters it back to element 2 only (0 elsewhere); softmax "
            "turns it into p − onehot. Same W and x as the fused preset: ∂loss/∂W is the same matrix.",
            "A porta fundida cross_entropy do exemplo anterior, escrita por extenso: p = softmax(s), escolhe a "
            "probabilidade da classe verdadeira p[2] = {p2} e perda = −log p[2] = {loss}. Na volta, o −log envia "
            "−1/p[2] = {d:p2} para a escolha; a escolha o espalha de volta só para o elemento 2 (0 nos outros); a "
            "softmax o transforma em p − onehot. Mesmos W e x do exemplo fundido: ∂perda/∂W é a mesma matriz.",
        ),
        "s = W @ x\np = softmax(s)\np2 = p[2]\nloss = -log(p2)",
        {"W": [[0.2, -0.5], [1.5, 1.3], [0.0, 0.25]], "x": [1.0, -2.0]},
    ),
    _example(
        "batch_bias",
        ("A batch: the bias gradient sums over the rows", "Um lote: o gradiente do viés soma as linhas"),
        (
            "A layer on a batch of N = 3 inputs at once: X is N×D, Z = X Wᵀ + b. The bias b has one entry per "
            "unit but was added to every row (broadcast), so backward its gradient is the sum over the batch, "
            "∂loss/∂b = Σₙ δₙ — sum is expand in reverse. Step to b: the upstream δ is 3×2, the downstream "
            "to b is 2, Σ over the batch axis 0 of δ ⊙ 1. ∂loss/∂W = δᵀX, a matrix product, adds up every "
            "example's outer product δₙ xₙᵀ.",
            "Uma camada sobre um lote de N = 3 entradas de uma vez: X é N×D, Z = X Wᵀ + b. O viés b tem uma "
            "entrada por unidade mas foi somado a cada linha (broadcast), então na volta seu gradiente é a soma "
            "sobre o lote, ∂perda/∂b = Σₙ δₙ — somar é expandir ao contrário. Vá até b: o δ que chega é 3×2, "
            "o que desce para b é 2, Σ sobre o eixo do lote 0 de δ ⊙ 1. ∂perda/∂W = δᵀX, um produto "
            "matricial, soma o produto externo δₙ xₙᵀ de cada exemplo.",
        ),
        "Z = X @ transpose(W) + b\nH = tanh(Z)\nloss = mean(H * H)",
        {
            "X": [[1.0, 0.5, -1.0], [0.0, -0.5, 2.0], [0.5, 1.0, 0.0]],
            "W": [[0.3, -0.2, 0.1], [-0.4, 0.6, 0.2]],
            "b": [0.1, -0.1],
        },
    ),
)


# ---- numbers in the text ----------------------------------------------------------------------
PLACEHOLDER = re.compile(r"\{(d:)?([A-Za-z_]\w*)\}")


def _number(value: float, lang: str) -> str:
    """As the page writes a number: 4 significant digits, a real minus sign, pt-BR's decimal comma."""
    text = f"{float(value):.4g}".replace("e+0", "e").replace("e-0", "e-")
    if text in ("-0", "-0.0"):
        text = "0"
    text = text.replace("-", "−")
    return text.replace(".", ",") if lang == "pt-BR" else text


def fill(template: str, evaluation: Any, lang: str) -> str:
    """The template with `{name}` → the node's value and `{d:name}` → its gradient (scalars only)."""
    nodes = {node.id: node for node in evaluation.nodes}

    def number(match: re.Match[str]) -> str:
        node = nodes[match.group(2)]
        return _number(node.grad if match.group(1) else node.value, lang)

    return PLACEHOLDER.sub(number, template)


def _render(template: dict[str, Any], inputs: dict[str, Any]) -> dict[str, Any]:
    evaluation = engine.evaluate(engine.parse(template["source"]), inputs, None)
    explanation = {lang: fill(text, evaluation, lang) for lang, text in template["explanation"].items()}
    return {**template, "explanation": explanation, "inputs": inputs}


EXAMPLES: tuple[dict[str, Any], ...] = tuple(_render(t, t["inputs"]) for t in _TEMPLATES)
EXAMPLES_BY_ID: dict[str, dict[str, Any]] = {e["id"]: e for e in EXAMPLES}
TEMPLATES_BY_ID: dict[str, dict[str, Any]] = {t["id"]: t for t in _TEMPLATES}

# ---- seeded inputs ----------------------------------------------------------------------------
KINK_MARGIN = 0.25  # |input − kink| at least this for relu, leaky relu, abs, hardtanh, hinge, log, sqrt, ÷
TIE_MARGIN = 0.5  # |a − b| at least this for max and min: the route is never a near-tie
ATTEMPTS = 10_000


def _grid(rng: np.random.Generator, lo: float, hi: float, step: float, shape: tuple[int, ...] = ()) -> Any:
    """Nice numbers: multiples of `step` in [lo, hi] (integers for step 1, one decimal for 0.1)."""
    count = round((hi - lo) / step)
    values = np.round(lo + step * rng.integers(0, count + 1, size=shape), 1)
    values = values + 0.0  # −0.0 → 0.0
    if step >= 1:
        return values.astype(int).tolist()
    return values.tolist()


def _shape(example_id: str, name: str) -> tuple[int, ...]:
    return np.shape(TEMPLATES_BY_ID[example_id]["inputs"][name])


def _tensors(example_id: str, rng: np.random.Generator, lo: float, hi: float) -> dict[str, Any]:
    """Every input of the example, one decimal in [lo, hi], in its own shape."""
    names = TEMPLATES_BY_ID[example_id]["inputs"]
    return {name: _grid(rng, lo, hi, 0.1, _shape(example_id, name)) for name in names}


def _activations(rng: np.random.Generator) -> dict[str, Any]:
    # One input in each region the text names: below −1, in (−1, 0), in (0, 1), above 1.
    regions = [(-3.0, -1.3), (-0.8, -0.3), (0.3, 0.8), (1.3, 3.0)]
    return {"x": [_grid(rng, lo, hi, 0.1) for lo, hi in regions]}


Draw = Callable[[np.random.Generator], dict[str, Any]]
Story = Callable[[dict[str, np.ndarray]], bool]
DRAWS: dict[str, tuple[Draw, Story]] = {
    # The text says max routes to y and z gets 0: keep y the larger.
    "lecture": (lambda r: dict(zip("xyz", _grid(r, -4, 4, 1, (3,)), strict=True)), lambda v: v["y"] > v["z"]),
    # Integers as on the slide; |z| ≤ 3 keeps σ′ readable (not saturated).
    "sigmoid_neuron": (
        lambda r: dict(zip(["w0", "x0", "w1", "x1", "w2"], _grid(r, -3, 3, 1, (5,)), strict=True)),
        lambda v: abs(float(v["z"])) <= 3,
    ),
    "fan_out": (lambda r: {"x": _grid(r, -4.0, 4.0, 0.5)}, lambda v: float(v["x"]) != 0),
    "window_score": (lambda r: _tensors("window_score", r, -1.0, 1.0), lambda v: True),
    "mlp_mse": (lambda r: _tensors("mlp_mse", r, -1.0, 1.0), lambda v: True),
    "softmax_cross_entropy": (lambda r: _tensors("softmax_cross_entropy", r, -1.5, 1.5), lambda v: True),
    # The text explains a violated margin: keep J > 0.
    "max_margin": (lambda r: _tensors("max_margin", r, -1.0, 1.0), lambda v: float(v["J"]) > 0),
    "activations": (_activations, lambda v: True),
    "cross_entropy_steps": (lambda r: _tensors("cross_entropy_steps", r, -1.5, 1.5), lambda v: True),
    "batch_bias": (lambda r: _tensors("batch_bias", r, -1.0, 1.0), lambda v: True),
}


def _generic(example_id: str) -> Draw:
    """An example without its own draw: each input in its shape, integers in [−3, 3] where it had only
    integers, else one decimal in [−2, 2]."""
    inputs = TEMPLATES_BY_ID[example_id]["inputs"]

    def draw(rng: np.random.Generator) -> dict[str, Any]:
        drawn = {}
        for name, value in inputs.items():
            whole = all(float(v).is_integer() for v in np.ravel(value))
            drawn[name] = (
                _grid(rng, -3, 3, 1, np.shape(value))
                if whole
                else _grid(rng, -2.0, 2.0, 0.1, np.shape(value))
            )
        return drawn

    return draw


def _kink_gaps(evaluation: Any) -> list[float]:
    """How far every kinked or undefined op's input is from its kink (min over elements)."""
    nodes = {node.id: node for node in evaluation.nodes}
    gaps: list[float] = []
    for node in evaluation.nodes:
        args = [np.asarray(nodes[i].value, dtype=float) for i in node.inputs]
        if node.op in ("max", "min"):
            gaps.append(float(np.min(np.abs(args[0] - args[1]))) - TIE_MARGIN + KINK_MARGIN)
        elif node.op in ("relu", "leaky_relu", "abs"):
            gaps.append(float(np.min(np.abs(args[0]))))
        elif node.op == "hardtanh":
            gaps.append(float(np.min(np.abs(np.abs(args[0]) - 1.0))))
        elif node.op == "hinge":
            gaps.append(float(np.min(np.abs(1.0 - args[0] + args[1]))))
        elif node.op == "div":
            gaps.append(float(np.min(np.abs(args[1]))))
        elif node.op in ("log", "sqrt"):
            gaps.append(float(np.min(args[0])))
    return gaps


def example_for(example_id: str, seed: int | None) -> dict[str, Any]:
    """The example as built in (seed None), or with inputs drawn from `seed`: the same seed, the same
    numbers; each kinked op's input at least KINK_MARGIN from its kink (max/min: TIE_MARGIN apart),
    the example's story kept (what its text says still holds) and its text filled from the new numbers.
    KeyError for an unknown id, ValueError for a negative seed."""
    if seed is None:
        return EXAMPLES_BY_ID[example_id]
    template = TEMPLATES_BY_ID[example_id]
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}")
    draw, story = DRAWS.get(example_id) or (_generic(example_id), lambda values: True)
    graph = engine.parse(template["source"])
    rng = np.random.default_rng(seed)
    for _ in range(ATTEMPTS):
        inputs = draw(rng)
        try:
            evaluation = engine.evaluate(graph, inputs, None)
        except (engine.EngineError, ValueError, ArithmeticError):  # e.g. an index out of range: draw again
            continue
        values = {node.id: np.asarray(node.value) for node in evaluation.nodes}
        if all(gap >= KINK_MARGIN for gap in _kink_gaps(evaluation)) and story(values):
            return _render(template, inputs)
    raise RuntimeError(f"no inputs for '{example_id}' met the margins in {ATTEMPTS} draws")  # a bug of ours
