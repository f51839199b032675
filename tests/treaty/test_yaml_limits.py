"""The one YAML loader refuses documents beyond its limits, before expanding them."""

from __future__ import annotations

import pytest

from concord.errors import TreatyError
from concord.inputs import MAX_YAML_BYTES
from concord.scenario.treaty import station_unity_text
from concord.treaty.service import load_treaty_text


def _bomb(levels: int = 9) -> str:
    """Nine aliases of nine aliases of …: 9**9 nodes from a few hundred bytes."""
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for n in range(1, levels):
        lines.append(f"l{n}: &l{n} [" + ", ".join([f"*l{n - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (_bomb(), "the document expands to 490329064 nodes"),
        ("a: &a [*a]\n", "an alias refers to a node that contains it"),
        ("a: " + "[" * 500 + "]" * 500 + "\n", "nested deeper than 64 levels"),
        ("a: " + "9" * 5000 + "\n", "Exceeds the limit (4300 digits)"),
        ("a: '" + "x" * MAX_YAML_BYTES + "'\n", f"above the limit of {MAX_YAML_BYTES}"),
    ],
)
def test_a_document_beyond_the_limits_is_refused_with_one_problem(text: str, message: str) -> None:
    with pytest.raises(TreatyError) as caught:
        load_treaty_text(text, "attack.yaml")
    assert len(caught.value.details) == 1
    assert message in caught.value.details[0]


def test_a_duplicate_key_is_an_error_naming_its_place() -> None:
    text = station_unity_text().replace("\ntitle:", "\ntitle: Another title\ntitle:", 1)
    with pytest.raises(TreatyError) as caught:
        load_treaty_text(text, "twice.yaml")
    assert any("title: duplicate key" in d for d in caught.value.details), caught.value.details


def test_a_control_character_in_treaty_text_is_refused() -> None:
    text = station_unity_text().replace("\ntitle: Treaty of", '\ntitle: "Treaty\\0 of"', 1)
    text = text.replace(
        '"Treaty\\0 of" Station Unity on Mining, Docking and the Settlement of '
        "Disputes in the Belt",
        '"Treaty\\0 of Station Unity"',
        1,
    )
    with pytest.raises(TreatyError) as caught:
        load_treaty_text(text, "nul.yaml")
    assert any("control character U+0000" in d for d in caught.value.details), caught.value.details
