"""The built-in graphs, lecture example first. Each `source` + `inputs` is a valid /evaluate body."""

from __future__ import annotations

from typing import Any


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


EXAMPLES: tuple[dict[str, Any], ...] = (
    _example(
        "lecture",
        ("The lecture example: f = (x + y) · max(y, z)", "O exemplo da aula: f = (x + y) · max(y, z)"),
        (
            "The classic slide. Forward: a = x + y = 3, b = max(y, z) = 2, f = a · b = 6. Backward from "
            "∂f/∂f = 1: the × gate swaps its inputs (∂f/∂a = b = 2, ∂f/∂b = a = 3), the + gate passes the "
            "gradient on, and max routes it to the larger input only, so z gets 0. y feeds both a and b, so "
            "its gradient is the sum 2 + 3 = 5.",
            "O slide clássico. Ida: a = x + y = 3, b = max(y, z) = 2, f = a · b = 6. Volta a partir de "
            "∂f/∂f = 1: a porta × troca as entradas (∂f/∂a = b = 2, ∂f/∂b = a = 3), a porta + repassa o "
            "gradiente e o max o encaminha só para a maior entrada, então z recebe 0. y alimenta a e b, então "
            "seu gradiente é a soma 2 + 3 = 5.",
        ),
        "a = x + y\nb = max(y, z)\nf = a * b",
        {"x": 1, "y": 2, "z": 0},
    ),
    _example(
        "sigmoid_neuron",
        ("A single sigmoid neuron", "Um único neurônio sigmoide"),
        (
            "f = σ(w0·x0 + w1·x1 + w2) with the values of the well-known slide: the weighted sum is 1 and "
            "σ(1) ≈ 0.73. The sigmoid's local gradient is σ(z)(1 − σ(z)) ≈ 0.2, which then flows back through "
            "the + gates unchanged and through each × gate multiplied by the other input: ∂f/∂w0 = x0 · 0.2.",
            "f = σ(w0·x0 + w1·x1 + w2) com os valores do slide conhecido: a soma ponderada é 1 e "
            "σ(1) ≈ 0,73. O gradiente local da sigmoide é σ(z)(1 − σ(z)) ≈ 0,2, que volta pelas portas + "
            "sem mudança e por cada porta × multiplicado pela outra entrada: ∂f/∂w0 = x0 · 0,2.",
        ),
        "z = w0 * x0 + w1 * x1 + w2\nf = sigmoid(z)",
        {"w0": 2, "x0": -1, "w1": -3, "x1": -2, "w2": -3},
    ),
    _example(
        "fan_out",
        ("Fan-out: a value used twice", "Ramificação: um valor usado duas vezes"),
        (
            "x feeds two gates, so two gradients come back to it and are added: f = 3x + x² gives "
            "∂f/∂x = 3 + 2x = 7 at x = 2. The backward pass shows the two downstream gradients (3 and 4) and "
            "then a separate step that sums them — the multivariable chain rule, ∂f/∂x = Σᵢ ∂f/∂yᵢ · ∂yᵢ/∂x.",
            "x alimenta duas portas, então dois gradientes voltam até ele e são somados: f = 3x + x² dá "
            "∂f/∂x = 3 + 2x = 7 em x = 2. A volta mostra os dois gradientes descendentes (3 e 4) e depois um "
            "passo separado que os soma — a regra da cadeia multivariável, ∂f/∂x = Σᵢ ∂f/∂yᵢ · ∂yᵢ/∂x.",
        ),
        "a = 3 * x\nb = x ** 2\nf = a + b",
        {"x": 2},
    ),
    _example(
        "window_score",
        ("The score s = uᵀ f(Wx + b)", "O escore s = uᵀ f(Wx + b)"),
        (
            "A one-hidden-layer scorer from the notes: z = Wx + b, h = σ(z), s = uᵀh. Backward, "
            "δ = ∂s/∂z = u ∘ σ′(z) is the error signal at the hidden layer; then ∂s/∂b = δ and "
            "∂s/∂W = δᵀxᵀ, an outer product with the shape of W (the shape convention). Step through the "
            "@ gate to see both of its local gradients.",
            "Um pontuador de uma camada oculta das notas: z = Wx + b, h = σ(z), s = uᵀh. Na volta, "
            "δ = ∂s/∂z = u ∘ σ′(z) é o sinal de erro da camada oculta; então ∂s/∂b = δ e "
            "∂s/∂W = δᵀxᵀ, um produto externo com a forma de W (a convenção de formas). Avance pela porta @ "
            "para ver os dois gradientes locais.",
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
            "h = relu(W1 x + b1), y = W2 h + b2, loss = mean((y − t)²). The loss gradient 2(y − t)/n enters "
            "at the top, the second layer's weights get an outer product with h, and the relu lets the "
            "gradient through only where its input was positive — a dead unit passes nothing back.",
            "h = relu(W1 x + b1), y = W2 h + b2, perda = média((y − t)²). O gradiente da perda 2(y − t)/n "
            "entra pelo topo, os pesos da segunda camada recebem um produto externo com h, e a relu só deixa "
            "o gradiente passar onde sua entrada era positiva — uma unidade morta não devolve nada.",
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
)

EXAMPLES_BY_ID: dict[str, dict[str, Any]] = {e["id"]: e for e in EXAMPLES}
