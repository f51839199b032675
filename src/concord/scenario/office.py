"""The Station Unity office's workspace, as the demonstrations start it."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

from concord.config import Settings
from concord.errors import ConfigurationError
from concord.workspace import OFFICE_KEY, Workspace, init_workspace

#: The office is established before the treaty is signed (2187-01-15 in the scenario).
GENESIS = datetime(2187, 1, 15, 9, 0, tzinfo=UTC)
OFFICE_NAME = "Station Unity Peace Monitoring Office"


def station_unity_workspace(settings: Settings, *, fresh: bool = True) -> Workspace:
    """A new workspace for the Station Unity office (emptying an earlier one if ``fresh``).

    Refuses to delete a folder that holds anything but a Concord workspace.
    """
    home = settings.home
    if fresh and home.exists():
        if not (home / "keys" / OFFICE_KEY).exists() and any(home.iterdir()):
            raise ConfigurationError(
                f"{home}: exists and is not a Concord workspace; refusing to delete it"
            )
        shutil.rmtree(home)
    return init_workspace(
        settings, office_id="office", office_name=OFFICE_NAME, established_at=GENESIS
    )
