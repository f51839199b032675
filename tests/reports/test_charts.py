"""The report's charts: valid SVG at print width, byte-stable, empty when nothing to show."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from concord.reports import charts
from concord.reports.model import CusumSeries, SiteReconciliation
from reports.factories import cusum, fees, reconciliation

Draw = Callable[[Sequence[Any]], str]
Data = Callable[[], list[Any]]

CHARTS = [
    (charts.reconciliation_chart, reconciliation),
    (charts.cusum_chart, cusum),
    (charts.fee_chart, fees),
]


@pytest.mark.parametrize(("draw", "data"), CHARTS)
def test_chart_is_a_print_width_svg_without_date(draw: Draw, data: Data) -> None:
    svg = draw(data())
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.attrib["width"].startswith("481.8")  # 170 mm = 481.89 pt
    assert "<dc:date>" not in svg
    assert "Matplotlib v" not in svg


@pytest.mark.parametrize(("draw", "data"), CHARTS)
def test_chart_is_byte_identical_between_renders_and_input_orders(draw: Draw, data: Data) -> None:
    assert draw(data()) == draw(list(reversed(data())))


@pytest.mark.parametrize(("draw", "data"), CHARTS)
def test_chart_is_empty_without_data(draw: Draw, data: Data) -> None:
    assert draw([]) == ""


def test_cusum_without_points_draws_nothing() -> None:
    assert charts.cusum_chart([CusumSeries(party="PA", subject="s", points=(), threshold=4)]) == ""


def test_reconciliation_of_many_sites_shows_the_largest_differences() -> None:
    sites = [
        SiteReconciliation(party="PA", site=f"S{i:02d}", declared=1000, measured=1000 + i, sigma=10)
        for i in range(charts.MAX_SITES + 5)
    ]
    shown = charts.shown_sites(sites)
    assert [s.site for s in shown] == [f"S{i:02d}" for i in range(5, charts.MAX_SITES + 5)]
    svg = charts.reconciliation_chart(sites)
    assert (
        float(ET.fromstring(svg).attrib["height"].removesuffix("pt")) <= charts.MAX_HEIGHT_IN * 72
    )
