"""Overlap checks between claims, vectorised over whole registries.

Cadastre practice checks every new filing against every registered claim before it is
accepted. Candidate pairs come from a bulk STRtree query; overlap areas are computed
for all candidates at once with shapely's vectorised ``intersection``/``area``, so no
Python loop runs per pair.

Claims that only share an edge or a corner intersect but do not overlap: pairs whose
common area is at most ``min_area_km2`` are not conflicts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from concord.errors import ClaimError

# 0.001 m²: far below any surveyed boundary's precision, far above float round-off on
# shared edges of km-scale polygons.
MIN_OVERLAP_KM2 = 1e-9

GeometryArray = NDArray[np.object_]


@dataclass(frozen=True)
class Overlap:
    """Two claims that share ``area_km2`` of ground."""

    claim_a: str
    claim_b: str
    area_km2: float
    share_a: float  # overlap as a fraction of claim_a's area
    share_b: float  # overlap as a fraction of claim_b's area

    @property
    def share_of_smaller(self) -> float:
        """The overlap as a fraction of the smaller claim (the larger of the two shares)."""
        return max(self.share_a, self.share_b)


@dataclass(frozen=True, eq=False)
class ConflictTable:
    """Every overlapping pair, one row per pair, ``claim_a < claim_b``, sorted by ids."""

    claim_a: NDArray[np.str_]
    claim_b: NDArray[np.str_]
    area_km2: NDArray[np.float64]
    share_a: NDArray[np.float64]
    share_b: NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.claim_a)

    def __iter__(self) -> Iterator[Overlap]:
        for a, b, area, sa, sb in zip(
            self.claim_a, self.claim_b, self.area_km2, self.share_a, self.share_b, strict=True
        ):
            yield Overlap(str(a), str(b), float(area), float(sa), float(sb))

    @property
    def share_of_smaller(self) -> NDArray[np.float64]:
        return np.maximum(self.share_a, self.share_b)

    def pairs(self) -> list[tuple[str, str]]:
        return [(str(a), str(b)) for a, b in zip(self.claim_a, self.claim_b, strict=True)]


def _as_geometry_array(geometries: Sequence[BaseGeometry] | GeometryArray) -> GeometryArray:
    array = np.empty(len(geometries), dtype=object)
    array[:] = geometries
    return array


def _checked_ids(ids: Sequence[str], count: int) -> NDArray[np.str_]:
    if len(ids) != count:
        raise ClaimError(f"{len(ids)} claim ids for {count} geometries")
    if len(set(ids)) != count:
        repeated = sorted(i for i, n in Counter(ids).items() if n > 1)
        raise ClaimError(f"claim ids must be unique; repeated: {', '.join(repeated[:5])}")
    return np.asarray(ids, dtype=np.str_)


def detect_conflicts(
    ids: Sequence[str],
    geometries: Sequence[BaseGeometry] | GeometryArray,
    *,
    min_area_km2: float = MIN_OVERLAP_KM2,
) -> ConflictTable:
    """All pairs of claims whose common area exceeds ``min_area_km2``."""
    geoms = _as_geometry_array(geometries)
    id_array = _checked_ids(ids, len(geoms))
    # A self-join: ask the tree for bounding-box candidates only, drop each claim's pair
    # with itself and the mirrored half, then test "intersects" on what is left in one
    # vectorised call. Passing predicate="intersects" to the query would also evaluate
    # the N self-pairs, which costs more than the real candidates in a sparse registry.
    left, right = shapely.STRtree(geoms).query(geoms)
    keep = left < right
    left, right = left[keep], right[keep]
    keep = shapely.intersects(geoms[left], geoms[right])
    first, second = _by_id(id_array, left[keep], right[keep])
    # Intersect in canonical order too: GEOS may round the last bit differently when the
    # operands are swapped, and the table must not depend on input order.
    common = shapely.area(shapely.intersection(geoms[first], geoms[second]))
    real = common > min_area_km2
    first, second, common = first[real], second[real], common[real]
    areas = shapely.area(geoms)
    return ConflictTable(
        claim_a=id_array[first],
        claim_b=id_array[second],
        area_km2=common,
        share_a=common / areas[first],
        share_b=common / areas[second],
    )


def _by_id(
    ids: NDArray[np.str_], left: NDArray[np.intp], right: NDArray[np.intp]
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Each pair ordered by id, and the pairs sorted by (first id, second id)."""
    swap = ids[left] > ids[right]
    first = np.where(swap, right, left)
    second = np.where(swap, left, right)
    order = np.lexsort((ids[second], ids[first]))
    return first[order], second[order]


class ClaimIndex:
    """A spatial index over registered claims, built once, for one-against-all checks."""

    def __init__(
        self, ids: Sequence[str], geometries: Sequence[BaseGeometry] | GeometryArray
    ) -> None:
        self._geoms = _as_geometry_array(geometries)
        self._ids = _checked_ids(ids, len(self._geoms))
        self._areas = shapely.area(self._geoms)
        self._tree = shapely.STRtree(self._geoms)

    def __len__(self) -> int:
        return len(self._geoms)

    def overlaps(
        self,
        shape: BaseGeometry,
        *,
        claim_id: str = "new",
        min_area_km2: float = MIN_OVERLAP_KM2,
    ) -> list[Overlap]:
        """Registered claims that ``shape`` overlaps, largest overlap first.

        ``claim_id`` names the new claim in the result; an indexed claim with the same id
        (the claim's own earlier geometry, when checking an amendment) is skipped.
        """
        candidates = self._tree.query(shape, predicate="intersects")
        candidates = candidates[self._ids[candidates] != claim_id]
        common = shapely.area(shapely.intersection(shape, self._geoms[candidates]))
        real = common > min_area_km2
        candidates, common = candidates[real], common[real]
        order = np.lexsort((self._ids[candidates], -common))
        new_area = float(shape.area)
        return [
            Overlap(claim_id, str(self._ids[i]), float(c), float(c) / new_area, float(share))
            for i, c, share in zip(
                candidates[order],
                common[order],
                common[order] / self._areas[candidates[order]],
                strict=True,
            )
        ]


def check_new_claim(
    index: ClaimIndex,
    shape: BaseGeometry,
    *,
    claim_id: str = "new",
    min_area_km2: float = MIN_OVERLAP_KM2,
) -> list[Overlap]:
    """The overlaps of one new claim with every claim in ``index``."""
    return index.overlaps(shape, claim_id=claim_id, min_area_km2=min_area_km2)
