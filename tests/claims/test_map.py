from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import matplotlib.image as mpimg
from shapely.geometry import Polygon, box

from concord.claims.map import (
    HOLDER_COLOURS,
    MapClaim,
    MapSite,
    holder_colours,
    outside_claims,
    render_sector_map,
)

SECTOR = box(0, 0, 120, 80)
CLAIMS = [
    MapClaim("EF-7B-01", "European Federation", box(10, 10, 50, 40), "registered"),
    MapClaim("PA-7B-03", "Pacific Alliance", box(35, 25, 75, 60), "registered"),
    MapClaim(
        "HMC-7B-02",
        "Helios Mining Consortium",
        Polygon(
            [(80, 5), (115, 5), (115, 35), (80, 35)], [[(90, 15), (100, 15), (100, 25), (90, 25)]]
        ),
        "registered",
    ),
    MapClaim("TR-7B-04", "Titan Resources", box(80, 45, 110, 75), "lapsed"),
]
CONTESTED = [box(35, 25, 50, 40)]


def test_map_is_a_valid_svg_and_png_at_print_size() -> None:
    svg, png = render_sector_map(SECTOR, CLAIMS, CONTESTED, "Sector Seven-Beta")
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.attrib["width"].startswith("510.2")  # 180 mm = 510.24 pt
    pixels = mpimg.imread(io.BytesIO(png), format="png")
    assert pixels.shape[1] == 1417  # 180 mm at 200 dpi
    assert pixels.shape[0] > 800


def test_map_is_byte_identical_between_renders() -> None:
    first = render_sector_map(SECTOR, CLAIMS, CONTESTED, "Sector Seven-Beta")
    second = render_sector_map(SECTOR, list(reversed(CLAIMS)), CONTESTED, "Sector Seven-Beta")
    assert first == second
    svg, png = first
    assert b"<dc:date>" not in svg
    assert b"Matplotlib" not in png


def test_map_of_many_claims_without_labels() -> None:
    claims = [
        MapClaim(
            f"C-{i:03d}",
            f"Holder {i % 11}",
            box(i % 20 * 6, i // 20 * 6, i % 20 * 6 + 5, i // 20 * 6 + 5),
            "registered",
        )
        for i in range(200)
    ]
    svg, png = render_sector_map(SECTOR, claims, [], "Dense sector")
    assert b"C-000" not in svg
    assert png.startswith(b"\x89PNG\r\n\x1a\n")


def _fills(svg: bytes) -> set[str]:
    text = svg.decode()
    return {c.lower() for c in HOLDER_COLOURS if c.lower() in text.lower()}


def test_a_holder_keeps_its_colour_on_every_map() -> None:
    # The second map has only Pacific Alliance: drawn alone it would take the first
    # colour of the palette; with the report's colours it keeps the one of the first map.
    colours = holder_colours(["European Federation", "Pacific Alliance"])
    only_pa = [c for c in CLAIMS if c.holder == "Pacific Alliance"]
    both, _ = render_sector_map(SECTOR, CLAIMS[:2], [], "A", colours=colours)
    alone, _ = render_sector_map(SECTOR, only_pa, [], "B", colours=colours)
    assert colours["Pacific Alliance"] == HOLDER_COLOURS[1]
    assert _fills(both) == {HOLDER_COLOURS[0].lower(), HOLDER_COLOURS[1].lower()}
    assert _fills(alone) == {HOLDER_COLOURS[1].lower()}
    unshared, _ = render_sector_map(SECTOR, only_pa, [], "B")
    assert _fills(unshared) == {HOLDER_COLOURS[0].lower()}  # what a lone map would do


def test_sites_are_drawn_and_those_outside_their_operators_claims_marked() -> None:
    sites = [
        MapSite("S-IN", "European Federation", 20, 20),  # in EF-7B-01
        MapSite("S-OTHER", "European Federation", 70, 55),  # only in PA's claim
        MapSite("S-LAPSED", "Titan Resources", 95, 60),  # in TR's lapsed claim
        MapSite("S-EDGE", "Pacific Alliance", 75, 60),  # on PA's boundary: covered
    ]
    assert outside_claims(sites, CLAIMS) == {"S-OTHER", "S-LAPSED"}
    svg, _ = render_sector_map(SECTOR, CLAIMS, CONTESTED, "Seven-Beta", sites=sites)
    assert b"site outside its operator's claims" in svg  # the legend names the mark
    assert b"extraction site" in svg
    quiet, _ = render_sector_map(SECTOR, CLAIMS, CONTESTED, "Seven-Beta", sites=sites[:1])
    assert b"site outside" not in quiet
    assert render_sector_map(SECTOR, CLAIMS, CONTESTED, "x", sites=sites) == render_sector_map(
        SECTOR, CLAIMS, CONTESTED, "x", sites=list(reversed(sites))
    )
