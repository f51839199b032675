"""``concord claims check | show | map | file`` over a real workspace."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from concord.cli.claims import claims_app
from concord.errors import ClaimError
from factories import make_settings

from .registry_world import World, make_world, polygon

runner = CliRunner()


@pytest.fixture
def world(tmp_path: Path, database_url: str) -> Iterator[World]:
    made = make_world(tmp_path / "ws", database_url)
    made.file("EF-7B-C1", "EF", (140, 36, 195, 44), "2187-04-05", sector="seven-beta-common")
    made.file("PA-7B-C1", "PA", (165, 36, 215, 44), "2187-04-10", sector="seven-beta-common")
    made.file("PA-7B-N1", "PA", (105, 50, 150, 78), "2187-04-11", sector="seven-beta-north")
    made.file("EF-7B-S1", "EF", (105, 3, 150, 32), "2187-04-12", sector="seven-beta-south")
    for claim_id in ("EF-7B-C1", "PA-7B-C1", "PA-7B-N1", "EF-7B-S1"):
        made.register(claim_id, "2187-04-20")
    for period, day in (("2187-Q2", "2187-07-05"), ("2187-Q3", "2187-10-05")):
        made.report("PA-7B-C1", "PA", period, day)
    yield made
    made.ws.close()


def invoke(world: World, *args: str) -> str:
    settings = make_settings(world.ws.settings.home, world.ws.settings.database_url)
    result = runner.invoke(claims_app, list(args), obj=settings, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_check_lists_conflicts_with_their_rules_and_provisions(world: World) -> None:
    output = invoke(world, "check", "--at", "2187-10-10")
    assert "contested EF-7B-C1 / PA-7B-C1: first-filed, operational-presence disagree" in output
    assert "to open" in output
    assert "cites P9, P17" in output
    assert "operational-presence: PA-7B-C1 operating on the overlap since 2187-04-01" in output
    early = invoke(world, "check", "--at", "2187-06-01")
    assert "decided EF-7B-C1 prevails over PA-7B-C1 by first-filed" in early


def test_show_prints_the_tenure_history(world: World) -> None:
    output = invoke(world, "show", "PA-7B-C1")
    assert "held by PA" in output
    assert "filed" in output
    assert "registered" in output
    with pytest.raises(ClaimError, match="not in the registry"):
        runner.invoke(
            claims_app,
            ["show", "NOPE"],
            obj=make_settings(world.ws.settings.home, world.ws.settings.database_url),
            catch_exceptions=False,
        )


def test_map_writes_svg_and_png(world: World, tmp_path: Path) -> None:
    invoke(world, "map", "seven-beta", "--out", str(tmp_path / "maps"), "--at", "2187-10-10")
    png = (tmp_path / "maps" / "seven-beta.png").read_bytes()
    svg = (tmp_path / "maps" / "seven-beta.svg").read_bytes()
    assert png.startswith(b"\x89PNG")
    assert b"<svg" in svg


def test_file_signs_and_files_a_claim(world: World, tmp_path: Path) -> None:
    key_file = tmp_path / "mi.key"
    world.keys["MI"].save(key_file)
    shape = tmp_path / "MI-7A-9.geojson"
    shape.write_text(json.dumps(polygon((10, 10, 20, 20))))
    args = ["file", str(shape), "--holder", "MI", "--key", str(key_file)]
    args += ["--filed-at", "2187-05-01T10:00:00Z"]
    output = invoke(world, *args, "--sector", "seven-alpha", "--mineral", "nickel-iron")
    assert "claim MI-7A-9 filed at log index" in output
    assert "MI-7A-9" in invoke(world, "show", "MI-7A-9")
    shape.write_text(json.dumps({**polygon((10, 10, 20, 20)), "crs": "EPSG:4326"}))
    with pytest.raises(ClaimError, match="not a valid claim filing"):
        runner.invoke(
            claims_app,
            [*args, "--sector", "seven-alpha", "--mineral", "x", "--id", "MI-7A-10"],
            obj=make_settings(world.ws.settings.home, world.ws.settings.database_url),
            catch_exceptions=False,
        )
