"""The public sector map: claims coloured by holder, contested ground hatched, sites marked.

A holder keeps its colour on every map of a report (:func:`holder_colours` over every
holder, not only those of one sector), and the registered extraction sites are drawn
over the claims, those outside every active claim of their operator marked, so that
extraction outside claims can be seen.

Cadastre practice publishes a map of every claim. The map is part of the record, so it
must be reproducible byte for byte from the same claims: matplotlib's Agg and SVG
backends are used directly (no pyplot state, no display), SVG ids are salted with a
fixed string and neither file carries a date or a software version.

Sizes are chosen for print: 180 mm wide (A4 with margins), every text at least 8 pt.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib as mpl
import numpy as np
import shapely
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path
from matplotlib.typing import RcKeyType
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

MM_PER_INCH = 25.4
WIDTH_MM = 180.0
DPI = 200
# Okabe & Ito (2008) colour-blind-safe palette, then its lighter variants.
HOLDER_COLOURS = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#999999",
)
INACTIVE = frozenset({"relinquished", "lapsed", "revoked"})
OUTSIDE = "#B00020"
LABEL_LIMIT = 40  # claim ids are printed on the map only when they stay readable


@dataclass(frozen=True)
class MapClaim:
    claim_id: str
    holder: str
    geometry: BaseGeometry
    status: str


@dataclass(frozen=True)
class MapSite:
    """A registered extraction site, at its location in the map plane."""

    site_id: str
    operator: str
    x: float
    y: float


def holder_colours(holders: Iterable[str]) -> dict[str, str]:
    """One colour per holder, in the order given (e.g. the treaty's parties, then every
    other holder sorted): the same holder gets the same colour on every map."""
    unique = list(dict.fromkeys(holders))
    return {h: HOLDER_COLOURS[i % len(HOLDER_COLOURS)] for i, h in enumerate(unique)}


def outside_claims(sites: Sequence[MapSite], claims: Sequence[MapClaim]) -> set[str]:
    """Sites that lie in no active claim of their operator."""
    out = set()
    for site in sites:
        point = shapely.Point(site.x, site.y)
        if not any(
            c.holder == site.operator
            and c.status not in INACTIVE
            and shapely.covers(c.geometry, point)
            for c in claims
        ):
            out.add(site.site_id)
    return out


def render_sector_map(
    sector_boundary: BaseGeometry,
    claims: Sequence[MapClaim],
    contested_areas: Sequence[BaseGeometry],
    title: str,
    *,
    sites: Sequence[MapSite] = (),
    colours: Mapping[str, str] | None = None,
) -> tuple[bytes, bytes]:
    """The sector map as (SVG bytes, PNG bytes), both byte-stable for the same input.

    ``colours`` gives each holder's colour (by default, holders sorted on this map)."""
    style: dict[RcKeyType, Any] = {
        "svg.hashsalt": "concord-sector-map",  # fixed ids instead of random ones
        "svg.fonttype": "path",
        "font.family": "DejaVu Sans",  # shipped with matplotlib: the same glyphs everywhere
        "font.size": 9,
        "hatch.linewidth": 0.8,
    }
    with mpl.rc_context(style):
        palette = dict(colours or {})
        extra = sorted({c.holder for c in claims} | {s.operator for s in sites} - set(palette))
        palette |= {h: c for h, c in holder_colours(extra).items() if h not in palette}
        figure = _draw(sector_boundary, claims, contested_areas, title, sites, palette)
        FigureCanvasAgg(figure)  # render off-screen, whatever backend pyplot would pick
        svg, png = io.BytesIO(), io.BytesIO()
        figure.savefig(svg, format="svg", metadata={"Date": None, "Creator": None})
        figure.savefig(png, format="png", dpi=DPI, metadata={"Software": None})
    return svg.getvalue(), png.getvalue()


def _draw(
    sector: BaseGeometry,
    claims: Sequence[MapClaim],
    contested_areas: Sequence[BaseGeometry],
    title: str,
    sites: Sequence[MapSite],
    palette: Mapping[str, str],
) -> Figure:
    xmin, ymin, xmax, ymax = sector.bounds
    aspect = (ymax - ymin) / max(xmax - xmin, 1e-9)
    width_in = WIDTH_MM / MM_PER_INCH
    map_height_in = min(max(width_in * 0.72 * aspect, 2.5), 8.0)
    figure = Figure(figsize=(width_in, map_height_in + 1.6), layout="constrained")
    axes = figure.add_subplot()
    _add_shape(axes, sector, facecolor="#F7F7F7", edgecolor="black", linewidth=1.2, zorder=0)
    shown = {c.holder for c in claims} | {s.operator for s in sites}
    colours = {h: c for h, c in palette.items() if h in shown}
    ordered = sorted(claims, key=lambda c: c.claim_id)
    for claim in ordered:
        _draw_claim(axes, claim, colours[claim.holder])
    for area in contested_areas:
        _add_shape(axes, area, facecolor="none", edgecolor="#B00020", hatch="////", zorder=3)
    if len(ordered) <= LABEL_LIMIT:
        _label_claims(axes, ordered)
    outside = outside_claims(sites, claims)
    _draw_sites(axes, sorted(sites, key=lambda s: s.site_id), colours, outside)
    axes.set_title(title, fontsize=11)
    axes.set_xlabel("x (km, sector grid)")
    axes.set_ylabel("y (km, sector grid)")
    axes.set_aspect("equal")
    pad = 0.03 * max(xmax - xmin, ymax - ymin)
    axes.set_xlim(xmin - pad, xmax + pad)
    axes.set_ylim(ymin - pad, ymax + pad)
    axes.tick_params(labelsize=8)
    axes.grid(color="#DDDDDD", linewidth=0.5, zorder=-1)
    figure.legend(
        handles=_legend_handles(
            colours,
            has_contested=bool(contested_areas),
            claims=ordered,
            sites=bool(sites),
            outside=bool(outside),
        ),
        loc="outside lower center",
        ncols=3,
        fontsize=8,
        frameon=False,
    )
    return figure


def _draw_sites(
    axes: Axes, sites: Sequence[MapSite], colours: Mapping[str, str], outside: set[str]
) -> None:
    for site in sites:
        colour = colours[site.operator]
        axes.plot(
            [site.x],
            [site.y],
            marker="o",
            markersize=5,
            color=colour,
            markeredgecolor="black",
            markeredgewidth=0.6,
            linestyle="none",
            zorder=5,
        )
        if site.site_id in outside:
            axes.plot(
                [site.x],
                [site.y],
                marker="o",
                markersize=11,
                markerfacecolor="none",
                markeredgecolor=OUTSIDE,
                markeredgewidth=1.4,
                linestyle="none",
                zorder=6,
            )


def _draw_claim(axes: Axes, claim: MapClaim, colour: str) -> None:
    if claim.status in INACTIVE:
        # Lapsed and relinquished ground stays on the map, outlined only, for the record.
        _add_shape(
            axes, claim.geometry, facecolor="none", edgecolor=colour, linestyle="--", zorder=1
        )
    else:
        _add_shape(axes, claim.geometry, facecolor=colour, alpha=0.45, edgecolor=colour, zorder=2)


def _label_claims(axes: Axes, claims: Sequence[MapClaim]) -> None:
    for claim in claims:
        point = shapely.point_on_surface(claim.geometry)
        axes.annotate(
            claim.claim_id,
            (point.x, point.y),
            ha="center",
            va="center",
            fontsize=8,
            zorder=4,
            bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "alpha": 0.7, "lw": 0},
        )


def _legend_handles(
    colours: Mapping[str, str],
    *,
    has_contested: bool,
    claims: Sequence[MapClaim],
    sites: bool = False,
    outside: bool = False,
) -> list[Any]:
    handles: list[Any] = [
        Patch(facecolor=c, alpha=0.45, edgecolor=c, label=h) for h, c in colours.items()
    ]
    if sites:
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                markersize=5,
                color="#777777",
                markeredgecolor="black",
                linestyle="none",
                label="extraction site (operator's colour)",
            )
        )
    if outside:
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                markersize=11,
                markerfacecolor="none",
                markeredgecolor=OUTSIDE,
                linestyle="none",
                label="site outside its operator's claims",
            )
        )
    if any(c.status in INACTIVE for c in claims):
        handles.append(
            Patch(facecolor="none", edgecolor="#555555", linestyle="--", label="lapsed / given up")
        )
    if has_contested:
        handles.append(
            Patch(facecolor="none", edgecolor="#B00020", hatch="////", label="contested")
        )
    return handles


def _add_shape(axes: Axes, shape: BaseGeometry, **style: object) -> None:
    for part in shapely.get_parts(shapely.get_parts(shape)):
        if isinstance(part, Polygon) and not part.is_empty:
            # Holes fill correctly only when wound opposite to their exterior.
            oriented = shapely.orient_polygons(part)
            axes.add_patch(PathPatch(_polygon_path(oriented), **style))


def _polygon_path(polygon: Polygon) -> Path:
    """A matplotlib path with the exterior and every hole as closed sub-paths."""
    vertices: list[np.typing.NDArray[np.float64]] = []
    codes: list[np.typing.NDArray[np.uint8]] = []
    for ring in (polygon.exterior, *polygon.interiors):
        xy = np.asarray(ring.coords, dtype=np.float64)
        ring_codes = np.full(len(xy), Path.LINETO, dtype=np.uint8)
        ring_codes[0] = Path.MOVETO
        ring_codes[-1] = Path.CLOSEPOLY
        vertices.append(xy)
        codes.append(ring_codes)
    return Path(np.concatenate(vertices), np.concatenate(codes))
