"""The Station Unity office's workspace, as the demonstrations start it.

A demonstration never deletes or overwrites a folder it did not create. When it creates
a workspace it writes a marker file (:data:`DEMO_MARKER`) naming the command; a later run
may empty that folder and start again, and any other non-empty folder is refused.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

from concord.config import Settings
from concord.errors import WorkspaceInUseError
from concord.workspace import Workspace, init_workspace

#: The office is established before the treaty is signed (2187-01-15 in the scenario).
GENESIS = datetime(2187, 1, 15, 9, 0, tzinfo=UTC)
OFFICE_NAME = "Station Unity Peace Monitoring Office"

#: Written by ``concord demo`` and ``concord tour`` in the folders they create.
DEMO_MARKER = ".concord-demo"


def created_by_demo(home: Path, command: str) -> bool:
    """Whether ``home`` carries the marker that ``concord COMMAND`` wrote when it
    created it (a demo's workspace is not the tour's to empty, nor the reverse)."""
    marker = home / DEMO_MARKER
    if not marker.is_file():
        return False
    try:
        return marker.read_text(encoding="utf-8").strip() == command
    except (OSError, UnicodeDecodeError):
        return False


def claim_demo_folder(home: Path, *, command: str = "demo", fresh: bool = True) -> None:
    """Make ``home`` the demonstration's folder: empty, with its marker.

    The folder must be absent or empty, or hold the marker of an earlier demonstration
    (which is emptied first when ``fresh``); anything else is refused and left untouched.
    """
    if home.exists() and not home.is_dir():
        raise WorkspaceInUseError(
            f"{home}: exists and is not a folder; refusing to use it",
            details=["pass --home with a new folder"],
        )
    if home.exists() and any(home.iterdir()):
        if not created_by_demo(home, command):
            raise WorkspaceInUseError(
                f"{home}: folder exists and was not created by `concord {command}`; "
                "refusing to delete or overwrite it",
                details=[
                    f"pass --home with a new folder, e.g. concord --home ./{command}-2 {command}"
                ],
            )
        if not fresh:
            raise WorkspaceInUseError(f"{home}: an earlier demonstration's workspace is here")
        shutil.rmtree(home)
    home.mkdir(parents=True, exist_ok=True)
    (home / DEMO_MARKER).write_text(command + "\n", encoding="utf-8")


def station_unity_workspace(
    settings: Settings, *, fresh: bool = True, command: str = "demo"
) -> Workspace:
    """A new workspace for the Station Unity office, in a folder the demonstration owns
    (:func:`claim_demo_folder`)."""
    claim_demo_folder(settings.home, command=command, fresh=fresh)
    return init_workspace(
        settings, office_id="office", office_name=OFFICE_NAME, established_at=GENESIS
    )
