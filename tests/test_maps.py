"""Maps: drawn from declared places, routes and countries, located errors, and the map in every format."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from briefkit.cli import main
from briefkit.pipeline import load_inputs
from briefkit.render import render_sections
from tests.conftest import REPO, copy_project, messages, pdf_text

ATLAS = Path(__file__).resolve().parent / "fixtures" / "atlas"
ALT = ("Karte: Häfen und Fährlinien an der südlichen Ostsee. Dargestellte Staaten: Deutschland, Polen, Litauen, "
       "Lettland. Markierte Orte: Rostock (Hafen), Klaipėda (Hafen), Danzig (Hafen), Riga (Hauptstadt). "
       "Rostock–Klaipėda: Seeweg, in Betrieb über Rostock, Klaipėda. Danzig–Riga: Seeweg, geplant über Danzig, Riga.")


@pytest.fixture
def atlas(tmp_path: Path) -> Path:
    return copy_project(ATLAS, tmp_path / "atlas")


@pytest.fixture(scope="module")
def built_atlas(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_project(ATLAS, tmp_path_factory.mktemp("atlas") / "atlas")
    assert main(["--project", str(root), "-q"]) == 0
    return root / "build"


def _markdown(root: Path) -> str:
    project, data, problems = load_inputs(root)
    assert problems == []
    return "\n".join(s.markdown for s in render_sections(project, data))


def test_the_alt_text_names_the_countries_places_and_routes_with_their_status(atlas: Path) -> None:
    markdown = _markdown(atlas)
    assert f'alt="{ALT}"' in markdown
    # Berlin is a declared place, but the map shows the places on its routes unless show= asks for more.
    assert "Berlin" not in markdown


def test_show_adds_places_and_the_source_line_names_the_boundaries(atlas: Path) -> None:
    section = atlas / "report/sections/01-karte.md"
    section.write_text(section.read_text(encoding="utf-8").replace(
        "areas='staaten',", "areas='staaten', show=['berlin'],"), encoding="utf-8")
    markdown = _markdown(atlas)
    assert "Riga (Hauptstadt), Berlin (Hauptstadt)." in markdown
    assert ("Quellen: Testamt für Häfen 2025. Grenzen: Natural Earth, Staaten (admin-0), 1:50 Mio. (gemeinfrei); "
            "umstrittene Grenzen sind so gezeichnet, wie diese Quelle sie zeichnet, ohne Stellungnahme.") in markdown
    assert '[Daten herunterladen (linien.csv)]{.download file="linien.csv"}' in markdown


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_the_mistakes_in_a_maps_data_are_located_and_hinted_and_nothing_is_built(atlas: Path, capsys) -> None:
    _edit(atlas / "data/linien.yaml", 'via: "rostock, 55.00 16.00, klaipeda"', 'via: "rostock, 55.00 16.00, klaipda"')
    _edit(atlas / "data/linien.yaml", 'via: "gdansk, 56.00 20.00, riga"', 'via: "gdansk, 96.00 20.00, riga"')
    _edit(atlas / "data/linien.yaml", "kind: sea, status: planned", "kind: ferry, status: planned")
    _edit(atlas / "data/haefen.yaml", "lat: 56.95", "lat: 156.95")
    _edit(atlas / "data/staaten.yaml", "country: Latvia", "country: Latvija")
    assert main(["--project", str(atlas)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert messages(err) == [
        "data/haefen.yaml:5: 'lat' must be between -90 and 90 degrees; got 156.95",
        "   = hint: write decimal degrees, north and east positive",
        "data/linien.yaml:2: 'via' names the place 'klaipda', which is not among the map's places",
        "   = hint: did you mean 'klaipeda'?",
        "data/linien.yaml:3: 'kind' of a route must be one of rail, road, sea, pipeline; got 'ferry'",
        "data/linien.yaml:3: 'via' has '96.00 20.00', which is not a latitude and longitude in range",
        "   = hint: write 'lat lon' in decimal degrees, latitude first (-90 to 90), then longitude (-180 to 180)",
        "data/staaten.yaml:5: no country 'Latvija' in the boundaries "
        "(briefkit/defaults/maps/countries-50m.geojson.gz)",
        "   = hint: did you mean 'Latvia'?",
        "build stopped: 5 problems to fix",
    ]
    assert not any((atlas / "build").glob("*.*"))


def test_a_map_call_with_no_data_and_a_series_given_as_places_are_located(atlas: Path, capsys) -> None:
    section = atlas / "report/sections/01-karte.md"
    section.write_text("# Karte\n\n{{ map('leer') }}\n", encoding="utf-8")
    assert main(["--project", str(atlas), "--check"]) == 1
    assert messages(capsys.readouterr().err)[0] == (
        "report/sections/01-karte.md:3: a map needs places=, routes= or areas= (the names of records datasets)")


def test_a_project_brings_its_own_boundaries(atlas: Path) -> None:
    import json

    square = [[[10.0, 53.0], [15.0, 53.0], [15.0, 56.0], [10.0, 56.0], [10.0, 53.0]]]
    own = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": name}, "geometry": {"type": "Polygon", "coordinates": square}}
        for name in ("Germany", "Poland", "Lithuania", "Latvia")]}
    (atlas / "data/boundaries.geojson").write_text(json.dumps(own), encoding="utf-8")
    assert "Grenzen: die Grenzdatei des Projekts;" in _markdown(atlas)
    _edit(atlas / "data/staaten.yaml", "country: Latvia", "country: Estonia")
    project, data, _ = load_inputs(atlas)
    from briefkit.errors import InputError

    with pytest.raises(InputError, match=r"data/staaten.yaml:5: no country 'Estonia' in the boundaries "
                                         r"\(data/boundaries.geojson\)"):
        render_sections(project, data)


def test_the_map_is_in_the_pdf_text_layer(built_atlas: Path) -> None:
    text = "\n".join(pdf_text(built_atlas / "ostsee.pdf"))
    for name in ("Rostock", "Klaipėda", "Danzig", "Riga", "LETTLAND", "DEUTSCHLAND", "200 km",
                 "Rostock–Klaipėda (in Betrieb)", "Danzig–Riga (geplant)"):
        assert name in text
    assert "Abbildung 1. Häfen und Fährlinien an der südlichen Ostsee" in text


def test_the_map_is_in_the_typst_pdf_too(atlas: Path) -> None:
    assert main(["--project", str(atlas), "-q", "--format", "pdf", "--pdf-engine", "typst"]) == 0
    text = "\n".join(pdf_text(atlas / "build/ostsee.pdf"))
    for name in ("Rostock", "Klaipėda", "LITAUEN", "Danzig–Riga (geplant)",
                 "Abbildung 1. Häfen und Fährlinien an der südlichen Ostsee"):
        assert name in text


def test_the_docx_has_the_map_as_a_picture_with_its_alt_text_and_svg(built_atlas: Path) -> None:
    with zipfile.ZipFile(built_atlas / "ostsee.docx") as docx:
        document = docx.read("word/document.xml").decode("utf-8")
        names = docx.namelist()
    descriptions = re.findall(r'<wp:docPr [^>]*descr="([^"]*)"', document)
    assert [d.replace("&quot;", '"') for d in descriptions] == [ALT]
    assert "asvg:svgBlip" in document
    assert any(n.endswith(".svg") for n in names) and any(n.endswith(".png") for n in names)


def test_the_web_page_inlines_the_map_with_a_narrow_copy(built_atlas: Path) -> None:
    page = (built_atlas / "ostsee.html").read_text(encoding="utf-8")
    wide = re.search(r'<svg role="img" aria-label="([^"]*)" class="chart-wide"', page)
    assert wide and wide.group(1) == ALT
    narrow = page[page.index('class="chart-narrow"'):]
    narrow = narrow[:narrow.index("</svg>")]
    # On a phone the legend moves under the map and the labels grow to a readable size.
    assert "transform:scale(" in narrow and "Klaipėda" in narrow
    assert re.search(r'id="[^"]*route-rostock-klaipeda-in-use"', page)
    assert re.search(r'id="[^"]*route-gdansk-riga-planned"', page)


def test_the_briefings_maps_cite_their_data_and_say_their_lines_are_schematic(tmp_path: Path) -> None:
    root = copy_project(REPO, tmp_path / "real")
    markdown = _markdown(root)
    locator = re.search(r'\{#fig:locator alt="([^"]*)"\}', markdown).group(1)
    assert locator.startswith("Map: Turkmenistan and its neighbours. Countries shown: Turkmenistan, Russia, "
                              "Kazakhstan, Uzbekistan, Iran, Afghanistan. Places marked: Ashgabat (capital), "
                              "Moscow (capital), Caspian Sea (sea).")
    routes = re.search(r'\{#fig:routes alt="([^"]*)"\}', markdown).group(1)
    for text in ("North–South corridor, eastern route: rail, in use.",
                 "Astrakhan–Turkmenbashi shipping line: sea route, planned through Astrakhan, Turkmenbashi.",
                 "Central Asia–Centre gas pipeline: pipeline, built.",
                 "Trans-Caspian gas pipeline: pipeline, planned through Turkmenbashi."):
        assert text in routes
    assert "Lines are schematic" in markdown
    assert "[Figure 1](#fig:locator) shows Turkmenistan" in markdown


def test_the_docs_describe_maps() -> None:
    docs = (REPO / "docs/authoring.md").read_text(encoding="utf-8")
    section = docs[docs.index("## Maps"):]
    for word in ("map(", "places=", "routes=", "areas=", "show=", "extent=", "via", "boundaries.geojson",
                 "Natural Earth", "in use", "planned"):
        assert word in section
    readme = (REPO / "briefkit/defaults/maps/README.md").read_text(encoding="utf-8")
    assert "world-atlas" in readme and "2.0.2" in readme and "public domain" in readme


def test_a_map_gets_no_chart_note_in_the_changes_documents(atlas: Path) -> None:
    from briefkit.compare.changes import chart_notes
    from briefkit.exhibits.maps import MapSpec

    project, data, _ = load_inputs(atlas)
    charts: dict = {}
    render_sections(project, data, "svg", charts)
    assert [type(spec) for spec in charts.values()] == [MapSpec]
    # The changes of its places and routes are those of records; a chart's note would read them as series.
    assert chart_notes(charts, charts, None, None, "1") == {}


def test_a_broken_boundaries_file_is_reported_by_check(atlas: Path, capsys) -> None:
    (atlas / "data/boundaries.geojson").write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "Germany"}, '
        '"geometry": {"type": "Polygon", "coordinates": [[[10, 53], [15, "x"], [15, 56], [10, 53]]]}}]}',
        encoding="utf-8")
    assert main(["--project", str(atlas), "--check"]) == 1
    assert messages(capsys.readouterr().err)[0] == (
        "data/boundaries.geojson: feature 1 ('Germany') has coordinates that are not rings of [longitude, "
        "latitude] pairs")
