"""The Treaty of Station Unity: the example treaty shipped with Concord, and its test cases."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

TREATY_ID = "station-unity"


def station_unity_path() -> Path:
    """Path of ``station_unity.yaml`` (the treaty file, as registered)."""
    return Path(str(files("concord.scenario").joinpath("station_unity.yaml")))


def station_unity_text() -> str:
    """The exact text of the treaty file (what a ``treaty.registered`` statement carries)."""
    return station_unity_path().read_text(encoding="utf-8")


def station_unity_cases_dir() -> Path:
    """The folder of the treaty's own test cases."""
    return Path(str(files("concord.scenario").joinpath("station_unity_cases")))
