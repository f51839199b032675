"""The report's charts as SVG documents, byte-stable for the same series.

Like the sector map (:mod:`concord.claims.map`), figures are drawn with matplotlib's
object API on an Agg canvas (no pyplot state), SVG ids are salted with a fixed string,
text is drawn as paths (no font lookup at view time) and no date or software version is
written. Figures are 170 mm wide to sit inside an A4 page's margins; no text is smaller
than 8 pt. Each function returns "" when it has nothing to draw, so the template can
leave the figure out.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.typing import RcKeyType

from concord.reports.model import CusumSeries, FeeCharge, SiteReconciliation

MM_PER_INCH = 25.4
WIDTH_IN = 170 / MM_PER_INCH
MAX_HEIGHT_IN = 8.5  # leaves room for the caption on an A4 page
MAX_SITES = 40  # beyond this, bars would be thinner than their 8 pt labels
MAX_LABELLED_PATHS = 8
# Okabe & Ito (2008) colour-blind-safe palette, as on the sector map.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
DECLARED, MEASURED, ALARM, QUIET = "#E69F00", "#0072B2", "#B00020", "#BBBBBB"

_STYLE: dict[RcKeyType, Any] = {
    "svg.hashsalt": "concord-report",  # fixed ids instead of random ones
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",  # shipped with matplotlib: the same glyphs everywhere
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


@contextmanager
def _figure(height_in: float) -> Iterator[Figure]:
    with mpl.rc_context(_STYLE):
        figure = Figure(figsize=(WIDTH_IN, min(height_in, MAX_HEIGHT_IN)), layout="constrained")
        FigureCanvasAgg(figure)  # render off-screen, whatever backend pyplot would pick
        yield figure


def _svg(figure: Figure) -> str:
    out = io.StringIO()
    with mpl.rc_context(_STYLE):
        figure.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    return out.getvalue()


def reconciliation_chart(sites: Sequence[SiteReconciliation]) -> str:
    """Declared and measured tonnes per site, ±2σ on the measurement."""
    if not sites:
        return ""
    ordered = shown_sites(sites)
    title = "Declared and measured extraction per site"
    if len(ordered) < len(sites):
        title += f" ({len(ordered)} largest differences of {len(sites)})"
    with _figure(1.2 + 0.3 * len(ordered)) as figure:
        axes = figure.add_subplot()
        rows = np.arange(len(ordered))[::-1]
        declared = [s.declared for s in ordered]
        measured = [s.measured for s in ordered]
        two_sigma = [2 * s.sigma for s in ordered]
        axes.barh(rows + 0.2, declared, height=0.4, color=DECLARED, label="declared")
        axes.barh(
            rows - 0.2,
            measured,
            height=0.4,
            color=MEASURED,
            xerr=two_sigma,
            error_kw={"ecolor": "black", "elinewidth": 0.8, "capsize": 2},
            label="measured (±2σ)",
        )
        axes.set_yticks(rows, [f"{s.party} · {s.site}" for s in ordered])
        for label, site in zip(axes.get_yticklabels(), ordered, strict=True):
            if site.measured - site.declared > 2 * site.sigma:
                label.set_color(ALARM)  # declared below the measurement's ±2σ band
        axes.set_xlabel("tonnes in the period")
        axes.set_title(title)
        axes.grid(axis="x", color="#DDDDDD", linewidth=0.5)
        axes.set_axisbelow(True)
        figure.legend(loc="outside lower center", ncols=2, frameon=False)
        return _svg(figure)


def shown_sites(sites: Sequence[SiteReconciliation]) -> list[SiteReconciliation]:
    """The sites drawn, by party and site: all, or the ``MAX_SITES`` furthest (in σ) from
    their declaration when there are more (the findings tables list every site)."""
    ordered = sorted(sites, key=lambda s: (s.party, s.site))
    if len(ordered) <= MAX_SITES:
        return ordered
    distance = sorted(
        range(len(ordered)),
        key=lambda i: (
            -abs(ordered[i].declared - ordered[i].measured) / max(ordered[i].sigma, 1e-9),
            i,
        ),
    )
    keep = set(distance[:MAX_SITES])
    return [s for i, s in enumerate(ordered) if i in keep]


def cusum_chart(series: Sequence[CusumSeries]) -> str:
    """Each CUSUM path S_t against its decision interval h, as the findings compute it:
    alarms marked, and the restart from 0 after each alarm drawn."""
    drawn = [s for s in series if s.points]
    if not drawn:
        return ""
    ordered = sorted(drawn, key=lambda s: (not s.alarmed, s.party, s.subject))
    periods = sorted({p for s in ordered for p, _ in s.points})
    position = {p: i for i, p in enumerate(periods)}
    with _figure(3.4) as figure:
        axes = figure.add_subplot()
        handles: list[Any] = []
        few = len(ordered) <= MAX_LABELLED_PATHS
        quiet = False
        for i, path in enumerate(ordered):
            # With many paths only the alarms get a colour and a name; the rest are context.
            labelled = i < MAX_LABELLED_PATHS and (path.alarmed or few)
            quiet = quiet or not labelled
            colour = PALETTE[i % len(PALETTE)] if labelled else QUIET
            handles += _draw_path(axes, path, position, colour, labelled=labelled)
        for h in sorted({s.threshold for s in ordered}):
            axes.axhline(h, color=ALARM, linestyle="--", linewidth=1)
        handles.append(Line2D([], [], color=ALARM, linestyle="--", label="threshold h"))
        if any(s.alarmed for s in ordered):
            handles.append(
                Line2D([], [], color=ALARM, marker="X", linestyle="none", label="alarm (S > h)")
            )
        if any(s.restarts for s in ordered):
            handles.append(
                Line2D(
                    [], [], color="#555555", linestyle=":", label="restart from 0 after an alarm"
                )
            )
        if quiet:
            handles.append(Line2D([], [], color=QUIET, label="paths without alarm"))
        axes.set_xticks(range(len(periods)), periods)
        axes.set_xlabel("reporting period")
        axes.set_ylabel("CUSUM S (standardised)")
        axes.set_title("Persistent under-declaration: CUSUM paths (Page's test)")
        axes.set_ylim(bottom=0)
        axes.grid(color="#DDDDDD", linewidth=0.5)
        figure.legend(handles=handles, loc="outside right upper", frameon=False)
        return _svg(figure)


def _draw_path(
    axes: Axes, path: CusumSeries, position: dict[str, int], colour: str, *, labelled: bool
) -> list[Any]:
    """One path, as the finding computes it: after an alarm (S > h) the scheme starts
    again from 0, drawn as a dotted drop to 0 at the alarm's period."""
    x = [position[p] for p, _ in path.points]
    y = [s for _, s in path.points]
    label = f"{path.party} · {path.subject}" if path.subject else path.party
    width = 1.4 if labelled else 0.8
    xs, ys = [x[0]], [y[0]]
    line: Line2D | None = None
    for i in range(1, len(x) + 1):
        restart = y[i - 1] > path.threshold and i < len(x)
        if i == len(x) or restart:
            (segment,) = axes.plot(xs, ys, color=colour, marker="o", markersize=3, linewidth=width)
            line = line or segment
        if restart:
            axes.plot(
                [x[i - 1], x[i - 1]], [y[i - 1], 0.0], color=colour, linestyle=":", linewidth=width
            )
            xs, ys = [x[i - 1], x[i]], [0.0, y[i]]
        elif i < len(x):
            xs.append(x[i])
            ys.append(y[i])
    assert line is not None
    line.set_label(label)
    alarms = [(xi, yi) for xi, yi in zip(x, y, strict=True) if yi > path.threshold]
    if alarms:
        ax, ay = zip(*alarms, strict=True)
        axes.plot(ax, ay, linestyle="none", marker="X", markersize=7, color=ALARM, zorder=4)
    return [line] if labelled else []


def fee_chart(charges: Sequence[FeeCharge]) -> str:
    """Fees charged per day (points, by party) against the schedule (bars' tops)."""
    if not charges:
        return ""
    categories = sorted({(c.vessel_class, c.berth) for c in charges}, key=_class_order)
    parties = sorted({c.party for c in charges})
    column = {cat: i for i, cat in enumerate(categories)}
    by_party: dict[str, list[FeeCharge]] = defaultdict(list)
    for c in sorted(charges, key=lambda c: (c.party, c.vessel_class, c.berth, c.charged_per_day)):
        by_party[c.party].append(c)
    with _figure(3.4) as figure:
        axes = figure.add_subplot()
        # A schedule revised within the period gives a column two rates.
        rates = {
            (column[(c.vessel_class, c.berth)], c.schedule_per_day)
            for c in charges
            if c.schedule_per_day is not None
        }
        for x, rate in sorted(rates):
            axes.hlines(rate, x - 0.42, x + 0.42, color="black", linewidth=2, zorder=2)
        width = 0.6 / max(len(parties), 1)
        for j, party in enumerate(parties):
            # Dodge parties side by side inside each class/berth column.
            offset = -0.3 + width * (j + 0.5)
            xs = [column[(c.vessel_class, c.berth)] + offset for c in by_party[party]]
            ys = [c.charged_per_day for c in by_party[party]]
            axes.scatter(
                xs,
                ys,
                s=30,
                color=PALETTE[j % len(PALETTE)],
                edgecolors="black",
                linewidths=0.4,
                label=party,
                zorder=3,
            )
        axes.plot([], [], color="black", linewidth=2, label="schedule (Annex II)")
        axes.set_xticks(range(len(categories)), [f"{v}\n{b}" for v, b in categories])
        axes.set_xlim(-0.5, len(categories) - 0.5)
        axes.set_ylim(bottom=0)
        axes.set_ylabel("fee per day charged")
        axes.set_title("Docking fees charged per day against the schedule")
        axes.grid(axis="y", color="#DDDDDD", linewidth=0.5)
        axes.set_axisbelow(True)
        figure.legend(loc="outside right upper", frameon=False)
        return _svg(figure)


_CLASSES = {"light": 0, "medium": 1, "heavy": 2}


def _class_order(category: tuple[str, str]) -> tuple[int, str, str]:
    vessel_class, berth = category
    return (_CLASSES.get(vessel_class, len(_CLASSES)), vessel_class, berth)
