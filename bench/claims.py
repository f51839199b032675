"""Benchmarks of the claims overlap checks.

(a) Conflict detection over 100,000 claims: ``detect_conflicts`` against the usual
    geopandas route (``sjoin(predicate="intersects")`` then the overlap areas, and
    ``overlay(how="intersection")``), on the same data in the same process.
(b) One new claim against 1,000,000 registered claims, the index built once.

Claims are rotated rectangles of 1–4 km a side scattered uniformly over a square sector
whose size keeps the density of the 100,000-claim case (a few percent of claims overlap
another, as in a busy but orderly registry).

Run with ``python -m bench.claims``.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import NDArray

from concord.claims.overlaps import MIN_OVERLAP_KM2, ClaimIndex, detect_conflicts

SEED = 20310110
KM2_PER_CLAIM = 400.0  # sector area per claim: sets the overlap rate


def sector_side_km(count: int) -> float:
    return float((count * KM2_PER_CLAIM) ** 0.5)


def random_claims(
    count: int, seed: int = SEED, side_km: float | None = None
) -> tuple[list[str], NDArray[np.object_]]:
    """``count`` rotated rectangles in a square sector, with ids C0000000…"""
    rng = np.random.default_rng(seed)
    side = side_km if side_km is not None else sector_side_km(count)
    centre = rng.uniform(0.0, side, size=(count, 2))
    half = rng.uniform(0.5, 2.0, size=(count, 2))
    angle = rng.uniform(0.0, np.pi, size=count)
    corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1], [-1, -1]], dtype=np.float64)
    local = corners[None, :, :] * half[:, None, :]
    cos, sin = np.cos(angle)[:, None], np.sin(angle)[:, None]
    x = centre[:, None, 0] + local[..., 0] * cos - local[..., 1] * sin
    y = centre[:, None, 1] + local[..., 0] * sin + local[..., 1] * cos
    geometries = shapely.polygons(np.stack([x, y], axis=-1))
    ids = [f"C{i:07d}" for i in range(count)]
    return ids, geometries


def _median_seconds(action: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def _geopandas_sjoin_area(ids: list[str], geometries: NDArray[np.object_]) -> int:
    frame = gpd.GeoDataFrame({"claim_id": ids}, geometry=list(geometries))
    joined = gpd.sjoin(frame, frame, predicate="intersects")
    joined = joined[joined.index < joined["index_right"]]
    left = frame.geometry.values[joined.index.to_numpy()]
    right = frame.geometry.values[joined["index_right"].to_numpy()]
    area = left.intersection(right).area
    return int((area > MIN_OVERLAP_KM2).sum())


def _geopandas_overlay(ids: list[str], geometries: NDArray[np.object_]) -> int:
    left = gpd.GeoDataFrame({"a": ids}, geometry=list(geometries))
    right = gpd.GeoDataFrame({"b": ids}, geometry=list(geometries))
    pieces = gpd.overlay(left, right, how="intersection", keep_geom_type=True)
    pieces = pieces[(pieces["a"] < pieces["b"]) & (pieces.area > MIN_OVERLAP_KM2)]
    return len(pieces)


def conflict_detection(count: int = 100_000, repeats: int = 3) -> list[dict[str, Any]]:
    ids, geometries = random_claims(count)
    ours, table = _median_seconds(lambda: detect_conflicts(ids, geometries), repeats)
    sjoin, sjoin_pairs = _median_seconds(lambda: _geopandas_sjoin_area(ids, geometries), repeats)
    overlay, overlay_pairs = _median_seconds(lambda: _geopandas_overlay(ids, geometries), 1)
    if not len(table) == sjoin_pairs == overlay_pairs:
        raise RuntimeError(f"pair counts differ: {len(table)}, {sjoin_pairs}, {overlay_pairs}")
    involved = len(set(table.claim_a.tolist()) | set(table.claim_b.tolist()))
    share = involved / count
    name = f"detect_conflicts, {count:,} claims ({len(table):,} pairs, {share:.1%} involved)"
    return [
        {"name": name, "median_s": ours, "comparison": None, "ratio": None},
        {
            "name": "geopandas sjoin(intersects) + intersection area, same data",
            "median_s": sjoin,
            "comparison": "detect_conflicts",
            "ratio": sjoin / ours,
        },
        {
            "name": "geopandas overlay(how='intersection'), same data, 1 run",
            "median_s": overlay,
            "comparison": "detect_conflicts",
            "ratio": overlay / ours,
        },
    ]


def new_claim_check(count: int = 1_000_000, queries: int = 200) -> list[dict[str, Any]]:
    ids, geometries = random_claims(count)
    build_start = time.perf_counter()
    index = ClaimIndex(ids, geometries)
    build = time.perf_counter() - build_start
    _, new_claims = random_claims(queries, seed=SEED + 1, side_km=sector_side_km(count))
    times, found = [], 0
    for shape in new_claims:
        start = time.perf_counter()
        found += len(index.overlaps(shape))
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    return [
        {
            "name": f"ClaimIndex build, {count:,} claims (once)",
            "median_s": build,
            "comparison": None,
            "ratio": None,
        },
        {
            "name": f"check_new_claim vs {count:,} claims, median of {queries} "
            f"({found} overlaps found; p95 {np.percentile(times, 95) * 1e3:.2f} ms)",
            "median_s": median,
            "comparison": "10 ms budget",
            "ratio": 0.010 / median,
        },
    ]


def run() -> list[dict[str, Any]]:
    """Benchmark rows: name, median_s, comparison (what ratio is against), ratio."""
    return [*conflict_detection(), *new_claim_check()]


def _print_table(rows: list[dict[str, Any]]) -> None:
    print(f"{'benchmark':<96} {'median':>10} {'ratio':>8}")
    for row in rows:
        ratio = f"{row['ratio']:.1f}×" if row["ratio"] is not None else ""
        print(f"{row['name']:<96} {row['median_s'] * 1e3:>8.2f}ms {ratio:>8}")


if __name__ == "__main__":
    _print_table(run())
