"""Sectors: named areas with planar boundaries, against which claims are checked."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from concord.inputs import Km
from concord.treaty.types import Effective, Identifier, Strict, Text

#: A point ``[x, y]`` in kilometres in the treaty's planar frame.
Point = tuple[Km, Km]


class Sector(Effective):
    """A sector; a sector with a ``parent`` is a zone lying inside its parent."""

    id: Identifier
    name: Text
    boundary: list[Point] = Field(min_length=3, description="polygon vertices, km, not closed")
    parent: Identifier | None = None
    allocated_to: list[Identifier] = Field(
        default_factory=list, description="party ids; empty: open to every party"
    )
    cites: list[Identifier] = Field(default_factory=list)
    claim_boundary: Literal["reject", "clip"] = Field(
        default="reject",
        description="a claim crossing the boundary is refused (reject) or cut to it (clip)",
    )


class MapFrame(Strict):
    """The plane in which sector boundaries and claim polygons are drawn."""

    name: Text = "unity-belt-plane"
    unit: Text = "km"
    description: str = ""
