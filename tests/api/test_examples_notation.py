"""The preset texts write the tensor chain rule in the step panel's notation, in both languages:
⊙ for an elementwise product, δ xᵀ for the outer product, and the panel's own words for a sum over
the broadcast (batch) axis — read from static/js/strings-panel.js, so the two cannot drift apart."""

from __future__ import annotations

import re

import pytest

from app.examples import EXAMPLES_BY_ID
from app.paths import STATIC_DIR

LANGS = ("en", "pt-BR")


def panel_string(key: str, lang: str) -> str:
    """One string of the panel's table, as the page shows it in `lang`."""
    source = (STATIC_DIR / "js" / "strings-panel.js").read_text(encoding="utf-8")
    table = source.split('"pt-BR": {')[0 if lang == "en" else 1]
    match = re.search(rf'"{re.escape(key)}": "([^"]*)"', table)
    assert match, f"{key} missing from strings-panel.js ({lang})"
    return match.group(1)


@pytest.mark.parametrize("lang", LANGS)
def test_the_score_preset_writes_odot_delta_x_transposed_and_w_transposed_delta(lang):
    text = EXAMPLES_BY_ID["window_score"]["explanation"][lang]
    assert "δ = ∂s/∂z = u ⊙ σ′(z)" in text and "diag(σ′(z))" in text
    assert "∂s/∂W = δ xᵀ" in text and "δᵢ·xⱼ" in text and "∂s/∂x = Wᵀδ" in text
    assert "∘" not in text  # one symbol for the elementwise product, as in the panel


@pytest.mark.parametrize("lang", LANGS)
def test_the_batch_preset_names_the_sum_over_the_batch_axis_as_the_panel_does(lang):
    text = EXAMPLES_BY_ID["batch_bias"]["explanation"][lang]
    assert panel_string("panel.sumBatch", lang).replace("{axis}", "0") in text
    assert "δ ⊙ 1" in text


@pytest.mark.parametrize("lang", LANGS)
def test_the_mlp_preset_writes_its_outer_product_and_elementwise_relu(lang):
    text = EXAMPLES_BY_ID["mlp_mse"]["explanation"][lang]
    assert "δ hᵀ" in text and "δ ⊙ relu′" in text and "diag(relu′)" in text
