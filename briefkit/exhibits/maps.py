"""Maps of declared data: countries from a boundaries file, places as points, routes as lines through places.

A map reads three records datasets by the names of their fields: places (id, name, kind, lat, lon, source),
routes (id, name, kind, status, via, source) and areas (country, label, role). `via` lists a route's places in
order, by id or as "lat lon", separated by commas. The countries come from Natural Earth's admin-0 boundaries
shipped in briefkit/defaults/maps (or data/boundaries.geojson of the project), drawn in a Lambert conformal conic
projection fitted to the map's extent.
"""

from __future__ import annotations

import gzip
import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from briefkit.datasets import Records, UnknownName, is_broken
from briefkit.errors import InputError, Problem
from briefkit.exhibits import Context
from briefkit.hints import did_you_mean

SHIPPED_BOUNDARIES = Path(__file__).resolve().parent.parent / "defaults" / "maps" / "countries-50m.geojson.gz"
PROJECT_BOUNDARIES = "boundaries.geojson"  # in the project's data/ folder, used instead of the shipped file
ROUTE_KINDS = ("rail", "road", "sea", "pipeline")
ROUTE_STATUSES = ("in use", "built", "under construction", "planned")
AREA_ROLES = ("focus", "highlight")
PNG_DPI = 200
MAX_HEIGHT = 4.3  # inches
SEA = "#dce8f2"
LAND = "#f7f6f2"
LABEL_SIZE = 7.5
# Texts on a phone are enlarged to this size (briefkit.outputs.html.NARROW_CHART_TEXT): labels are placed so
# that they do not collide at that size either.
NARROW_TEXT = 10.5
_POINT = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s+(-?\d+(?:\.\d+)?)\s*$")


@dataclass(frozen=True)
class MapPlace:
    key: str
    name: str
    kind: str
    lat: float
    lon: float


@dataclass(frozen=True)
class MapRoute:
    key: str
    name: str
    kind: str
    status: str
    points: tuple[tuple[float, float], ...]  # (lat, lon)
    stops: tuple[str, ...]  # the names of the places it runs through, in order


@dataclass(frozen=True)
class MapArea:
    country: str
    label: str
    role: str


@dataclass(frozen=True)
class MapSpec:
    """Everything a map is drawn from; its repr is the map's cache key."""

    name: str
    title: str
    places: tuple[MapPlace, ...]
    routes: tuple[MapRoute, ...]
    areas: tuple[MapArea, ...]
    extent: tuple[float, float, float, float]  # west, east, south, north
    boundaries: str  # the file's path
    boundaries_key: str  # its size and time, so that a changed file draws the map again
    colours: tuple[str, ...]  # the theme's ink (the focus country, rail, labels) and accent (pipelines)
    font: str
    words: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Boundaries:
    path: Path
    display: str
    countries: dict  # name -> list of polygons, each a list of rings of (lon, lat)


def boundaries_file(data_dir: Path) -> tuple[Path, str]:
    """The project's own boundaries (data/boundaries.geojson) where it has them, else Natural Earth's."""
    own = data_dir / PROJECT_BOUNDARIES
    if own.is_file():
        return own, f"data/{PROJECT_BOUNDARIES}"
    return SHIPPED_BOUNDARIES, "briefkit/defaults/maps/countries-50m.geojson.gz"


@lru_cache(maxsize=4)
def _read_boundaries(path: Path, display: str, stamp: float) -> Boundaries:
    raw = path.read_bytes()
    try:
        text = gzip.decompress(raw) if path.suffix == ".gz" else raw
        collection = json.loads(text)
        features = collection["features"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError.single(display, None, f"not a GeoJSON FeatureCollection ({exc})") from None
    countries: dict[str, list] = {}
    for number, feature in enumerate(features, 1):
        try:
            name = str(feature["properties"]["name"])
            geometry = feature["geometry"]
            shapes = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
            if geometry["type"] not in ("Polygon", "MultiPolygon"):
                raise ValueError(geometry["type"])
        except (KeyError, TypeError, ValueError):
            raise InputError.single(display, None, f"feature {number} needs properties.name and a Polygon or "
                                                   "MultiPolygon geometry") from None
        if path != SHIPPED_BOUNDARIES and not _polygons_ok(shapes):
            raise InputError.single(display, None, f"feature {number} ('{name}') has coordinates that are not "
                                                   "rings of [longitude, latitude] pairs")
        countries.setdefault(name, []).extend(shapes)
    return Boundaries(path, display, countries)


def _polygons_ok(shapes) -> bool:
    """Each polygon a list of closed rings of at least four [longitude, latitude] pairs in range."""
    try:
        return all(isinstance(ring, list) and len(ring) >= 4 and all(
            len(p) >= 2 and -180 <= float(p[0]) <= 180 and -90 <= float(p[1]) <= 90 for p in ring)
            for polygon in shapes for ring in polygon)
    except (TypeError, ValueError):
        return False


def load_boundaries(path: Path, display: str) -> Boundaries:
    return _read_boundaries(path, display, path.stat().st_mtime)


_SHIPPED_NAME = re.compile(r'"properties":\{"name":("(?:[^"\\]|\\.)*")\}')


@lru_cache(maxsize=4)
def _names(path: Path, display: str, stamp: float) -> frozenset[str]:
    if path == SHIPPED_BOUNDARIES:
        # Our own file, written by convert_world_atlas.py: its names are found without reading every polygon,
        # which keeps `briefkit check` quick.
        text = gzip.decompress(path.read_bytes()).decode("utf-8")
        return frozenset(json.loads(name) for name in _SHIPPED_NAME.findall(text))
    return frozenset(load_boundaries(path, display).countries)


def country_names(path: Path, display: str) -> frozenset[str]:
    """The names of the countries in a boundaries file."""
    return _names(path, display, path.stat().st_mtime)


def _fields(dataset: Records, needed: tuple[str, ...], what: str) -> None:
    names = [f.name for f in dataset.declaration.fields]
    missing = [n for n in needed if n not in names]
    if missing:
        raise UnknownName(f"'{dataset.name}' cannot be the {what} of a map: it has no field "
                          f"{', '.join(repr(m) for m in missing)}", f"a map's {what} need the fields "
                          f"{', '.join(needed)}", dataset.name)


def _records(ctx: Context, name, what: str, needed: tuple[str, ...]) -> Records | None:
    if name is None:
        return None
    dataset = ctx.data.dataset(name) if isinstance(name, str) else name
    if is_broken(dataset):
        return dataset
    if not isinstance(dataset, Records):
        raise UnknownName(f"'{dataset.name}' is a series; the {what} of a map are a records dataset")
    _fields(dataset, needed, what)
    return dataset


def map_spec(ctx: Context, name: str, places, routes, areas, show, extent, title: str,
             colours: tuple[str, ...], font: str, data_dir: Path) -> tuple[MapSpec, list]:
    """The map's spec and the records it draws (for the source line); an InputError locating every mistake in
    the data (a route through an unknown place, coordinates out of range, a country with no boundary)."""
    place_set = _records(ctx, places, "places", ("name", "lat", "lon"))
    route_set = _records(ctx, routes, "routes", ("name", "kind", "status", "via"))
    area_set = _records(ctx, areas, "areas", ("country",))
    if place_set is None and route_set is None and area_set is None:
        raise UnknownName("a map needs places=, routes= or areas= (the names of records datasets)")
    problems: list[Problem] = []
    known: dict[str, MapPlace] = {}
    rejected: set[str] = set()  # places with a mistake of their own: a route through them is not reported again
    used_rows: list = []
    if place_set is not None:
        key = place_set.declaration.primary_key
        for row in place_set.rows:
            place = _place(row, key, place_set.declaration.display, problems)
            if place is not None:
                known[place.key] = place
            else:
                rejected.add(str(row.values.get(key)))
    drawn_routes = []
    on_routes: list[str] = []
    if route_set is not None:
        key = route_set.declaration.primary_key
        for row in route_set.rows:
            route = _route(row, key, route_set.declaration.display, known, rejected, problems)
            if route is not None:
                drawn_routes.append(route)
                used_rows.append(row)
                on_routes += [s for s in _via_keys(row.values.get("via") or "") if s in known]
    if show is not None:
        chosen = [show] if isinstance(show, str) else list(show)
        for wanted in chosen:
            if wanted not in known:
                raise UnknownName(f"show= names '{wanted}', which is not a place of '{place_set.name}'"
                                  if place_set is not None else "show= needs places=",
                                  did_you_mean(str(wanted), known), str(wanted))
    else:
        chosen = list(known) if route_set is None else []
    keys = list(dict.fromkeys(on_routes + chosen))
    shown = [known[k] for k in keys]
    if place_set is not None:
        used_rows += [r for r in place_set.rows if r.values.get(place_set.declaration.primary_key) in keys]
    path, display = boundaries_file(data_dir)
    names = country_names(path, display)
    drawn_areas = []
    if area_set is not None:
        for row in area_set.rows:
            country = row.values.get("country")
            if country is None:
                continue
            if country not in names:
                problems.append(Problem(area_set.declaration.display, row.line, None,
                                        f"no country '{country}' in the boundaries ({display})",
                                        hint=did_you_mean(country, sorted(names), "write the name as "
                                                          "the boundaries file spells it")))
                continue
            role = row.values.get("role") or "highlight"
            if role not in AREA_ROLES:
                problems.append(Problem(area_set.declaration.display, row.line, None,
                                        f"'role' must be one of {', '.join(AREA_ROLES)}; got '{role}'"))
                continue
            drawn_areas.append(MapArea(country, row.values.get("label") or country, role))
            used_rows.append(row)
    if problems:
        raise InputError(problems)
    box = _extent(extent, shown, drawn_routes, drawn_areas, path, display)

    words = tuple((k, ctx.words(k)) for k in (
        "map_km", "map_legend_capital", "map_legend_city", "map_legend_port", "map_legend_place",
        *(f"map_kind_{k}" for k in ROUTE_KINDS), *(f"map_status_{s.replace(' ', '_')}" for s in ROUTE_STATUSES)))
    stat = path.stat()
    spec = MapSpec(name, title, tuple(shown), tuple(drawn_routes), tuple(drawn_areas), box, str(path),
                   f"{stat.st_size}-{stat.st_mtime_ns}", colours, font, words)
    return spec, used_rows


def _place(row, key: str, display: str, problems: list[Problem]) -> MapPlace | None:
    lat, lon = row.values.get("lat"), row.values.get("lon")
    if lat is None or lon is None:
        problems.append(Problem(display, row.line, None, "a place on a map needs 'lat' and 'lon'"))
        return None
    for field, value, limit in (("lat", lat, 90), ("lon", lon, 180)):
        if not -limit <= value <= limit:
            problems.append(Problem(display, row.line, None,
                                    f"'{field}' must be between -{limit} and {limit} degrees; got {value:g}",
                                    hint="write decimal degrees, north and east positive"))
            return None
    return MapPlace(str(row.values.get(key)), str(row.values.get("name") or row.values.get(key)),
                    str(row.values.get("kind") or ""), float(lat), float(lon))


def _via_keys(via: str) -> list[str]:
    return [part.strip() for part in str(via).split(",") if part.strip()]


def _route(row, key: str, display: str, known: dict[str, MapPlace], rejected: set[str],
           problems: list[Problem]) -> MapRoute | None:
    values = row.values
    kind, status = values.get("kind"), values.get("status")
    ok = True
    if kind not in ROUTE_KINDS:
        problems.append(Problem(display, row.line, None, f"'kind' of a route must be one of "
                                f"{', '.join(ROUTE_KINDS)}; got '{kind}'", hint=did_you_mean(str(kind), ROUTE_KINDS)))
        ok = False
    if status not in ROUTE_STATUSES:
        problems.append(Problem(display, row.line, None, f"'status' of a route must be one of "
                                f"{', '.join(ROUTE_STATUSES)}; got '{status}'",
                                hint=did_you_mean(str(status), ROUTE_STATUSES)))
        ok = False
    points, stops = [], []
    for part in _via_keys(values.get("via") or ""):
        if match := _POINT.match(part):
            lat, lon = float(match.group(1)), float(match.group(2))
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                problems.append(Problem(display, row.line, None, f"'via' has '{part}', which is not a latitude "
                                        "and longitude in range", hint="write 'lat lon' in decimal degrees, "
                                        "latitude first (-90 to 90), then longitude (-180 to 180)"))
                ok = False
                continue
            points.append((lat, lon))
        elif part in known:
            points.append((known[part].lat, known[part].lon))
            stops.append(known[part].name)
        elif part in rejected:
            ok = False
        else:
            problems.append(Problem(display, row.line, None, f"'via' names the place '{part}', which is not "
                                    "among the map's places", hint=did_you_mean(part, known, "places: {}")))
            ok = False
    if ok and len(points) < 2:
        problems.append(Problem(display, row.line, None, "a route needs at least two places or points in 'via'"))
        ok = False
    if not ok:
        return None
    return MapRoute(str(values.get(key)), str(values.get("name")), kind, status, tuple(points), tuple(stops))


def _extent(extent, places, routes, areas, path: Path, display: str) -> tuple[float, float, float, float]:
    """west, east, south, north: as given, else around the places and routes (or the areas), with a margin."""
    if extent is not None:
        try:
            west, east, south, north = (float(v) for v in extent)
        except (TypeError, ValueError):
            raise UnknownName("extent= is four numbers: west, east, south, north, in degrees") from None
        if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
            raise UnknownName(f"extent=({west:g}, {east:g}, {south:g}, {north:g}) is not west < east and "
                              "south < north within -180..180 and -90..90")
        return west, east, south, north
    lats = [p.lat for p in places] + [lat for r in routes for lat, _ in r.points]
    lons = [p.lon for p in places] + [lon for r in routes for _, lon in r.points]
    if not lats and areas:
        boundaries = load_boundaries(path, display)
        for area in areas:
            for polygon in boundaries.countries[area.country]:
                lons += [x for x, _ in polygon[0]]
                lats += [y for _, y in polygon[0]]
    if not lats:
        raise UnknownName("the map has nothing to draw")
    west, east, south, north = min(lons), max(lons), min(lats), max(lats)
    pad_x, pad_y = max((east - west) * 0.15, 2.0), max((north - south) * 0.15, 2.0)
    return (max(-180.0, west - pad_x), min(180.0, east + pad_x), max(-89.0, south - pad_y), min(89.0, north + pad_y))


def describe_map(ctx: Context, spec: MapSpec, caption: str) -> str:
    """Alt text: the countries shown, each place with its kind, and each route with its kind, status and stops."""
    words = dict(spec.words)
    parts = [ctx.words("alt_map", title=spec.title or caption)]
    if spec.areas:
        parts.append(ctx.words("alt_map_areas", countries=", ".join(a.label for a in spec.areas)))
    if spec.places:
        # A kind the engine knows is said in the report's language; another is the data's own word.
        parts.append(ctx.words("alt_map_places", places=", ".join(
            f"{p.name} ({words.get(f'map_legend_{p.kind}', p.kind)})" if p.kind else p.name for p in spec.places)))
    for route in spec.routes:
        kind = words[f"map_kind_{route.kind}"]
        status = words[f"map_status_{route.status.replace(' ', '_')}"]
        stops = ctx.words("alt_map_via", stops=", ".join(route.stops)) if route.stops else ""
        parts.append(ctx.words("alt_map_route", name=route.name, kind=kind, status=status) + (
            f" {stops}" if stops else "") + ".")
    return " ".join(p if p.endswith(".") else p + "." for p in parts)


# --- Drawing ------------------------------------------------------------------------------------------------------

def projection(extent: tuple[float, float, float, float]) -> str:
    """A Lambert conformal conic fitted to the extent: its standard parallels at a sixth from the top and bottom."""
    west, east, south, north = extent
    span = north - south
    return (f"+proj=lcc +lat_1={south + span / 6:.3f} +lat_2={north - span / 6:.3f} +lat_0={(south + north) / 2:.3f} "
            f"+lon_0={(west + east) / 2:.3f} +datum=WGS84 +units=m +no_defs")


def _mix(colour: str, share: float) -> str:
    """The colour mixed with white: share 1 is the colour itself, 0 is white."""
    red, green, blue = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{round(255 - (255 - c) * share):02x}" for c in (red, green, blue))


def draw_map(spec: MapSpec, out_dir: Path, fonts: list[Path], kinds: tuple[str, ...] = ("svg", "png")) -> dict:
    """Draw the map as SVG (text kept as text) and PNG at 200 dpi, or only the `kinds` asked."""
    import matplotlib
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MplPath
    from matplotlib.transforms import Bbox
    from pyproj import Transformer

    from briefkit.exhibits.charts import register_fonts

    register_fonts(fonts)
    ink, accent = (spec.colours + ("#1f3a5f", "#b5472b"))[:2]
    words = dict(spec.words)
    transformer = Transformer.from_crs("EPSG:4326", projection(spec.extent), always_xy=True)
    west, east, south, north = spec.extent
    edge_lon = np.concatenate([np.linspace(west, east, 50), np.full(50, east), np.linspace(east, west, 50),
                               np.full(50, west)])
    edge_lat = np.concatenate([np.full(50, south), np.linspace(south, north, 50), np.full(50, north),
                               np.linspace(north, south, 50)])
    ex, ey = transformer.transform(edge_lon, edge_lat)
    x0, x1, y0, y1 = float(min(ex)), float(max(ex)), float(min(ey)), float(max(ey))
    rc = {"font.family": [spec.font, "DejaVu Sans"], "font.size": 9, "svg.hashsalt": "briefkit",
          "svg.fonttype": "none",
          # Borders thinned to about a quarter of a point: finer than print shows, the SVG a fraction of the size.
          "path.simplify_threshold": 0.35, "axes.titleweight": "bold", "axes.titlesize": 11,
          "axes.titlelocation": "left"}
    boundaries = load_boundaries(Path(spec.boundaries), spec.boundaries)
    out_dir.mkdir(parents=True, exist_ok=True)
    with matplotlib.rc_context(rc):
        # As wide as a chart (6.6 in, so that the page shows its text at the same size), and never taller than
        # MAX_HEIGHT: where the extent is taller than that, the map shows more on either side of it.
        legend = 2.0 if spec.routes else 0.1
        map_width = 6.5 - legend
        map_height = min(max(map_width * (y1 - y0) / (x1 - x0), 2.8), MAX_HEIGHT)
        fig = Figure(figsize=(map_width + legend, map_height + (0.45 if spec.title else 0.15)))
        ax = fig.add_axes((0.02, 0.02, map_width / (map_width + legend), map_height / fig.get_figheight()))
        # The extent widened (or heightened) about its centre to the map's frame, at one scale both ways.
        ratio = map_height / map_width
        if (y1 - y0) / (x1 - x0) > ratio:
            grow = ((y1 - y0) / ratio - (x1 - x0)) / 2
            x0, x1 = x0 - grow, x1 + grow
        else:
            grow = ((x1 - x0) * ratio - (y1 - y0)) / 2
            y0, y1 = y0 - grow, y1 + grow
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_xticks([])
        ax.set_yticks([])
        for side in ax.spines.values():
            side.set_edgecolor("#9aa3ad")
            side.set_linewidth(0.6)
        ax.set_facecolor(SEA)  # the sea, and the large lakes that no country covers
        roles = {a.country: a.role for a in spec.areas}
        # The sea a pale blue, other countries near white, highlighted ones a warm grey, the focus in the ink.
        fills = {"focus": _mix(ink, 0.45), "highlight": "#dedbd0"}
        outlines: dict[str, list] = {}
        # Each ring is cut to the frame (with a small margin, so that no border runs along its edge) and drawn
        # with straight segments only, which matplotlib thins to what the page can show: the SVG stays small.
        vx0, vx1 = ax.get_xlim()
        vy0, vy1 = ax.get_ylim()
        margin_x, margin_y = (vx1 - vx0) * 0.02, (vy1 - vy0) * 0.02
        view = Bbox([[vx0 - margin_x, vy0 - margin_y], [vx1 + margin_x, vy1 + margin_y]])
        for country, polygons in boundaries.countries.items():
            paths = []
            for polygon in polygons:
                outer = polygon[0]
                lons = [p[0] for p in outer]
                lats = [p[1] for p in outer]
                if max(lons) < west - 25 or min(lons) > east + 25 or max(lats) < south - 15 or min(lats) > north + 15:
                    continue
                for ring in polygon:
                    xs, ys = transformer.transform([p[0] for p in ring], [p[1] for p in ring])
                    vertices = np.column_stack([xs, ys])
                    if not np.all(np.isfinite(vertices)):
                        continue
                    for part in MplPath(vertices, closed=True).clip_to_bbox(view).to_polygons(closed_only=True):
                        if len(part) < 4:
                            continue
                        # Thinned in page units (matplotlib does so only for unfilled lines), then back.
                        thinned = MplPath(part).cleaned(transform=ax.transData, simplify=True)
                        shown = thinned.vertices[thinned.codes != MplPath.STOP]  # not the end marker's (0, 0)
                        shown = ax.transData.inverted().transform(shown)
                        if len(shown) < 4:
                            continue
                        codes = np.full(len(shown), MplPath.LINETO)
                        codes[0] = MplPath.MOVETO
                        paths.append(MplPath(shown, codes))
            if not paths:
                continue
            compound = MplPath.make_compound_path(*paths)
            outlines[country] = paths
            patch = PathPatch(compound, facecolor=fills.get(roles.get(country, ""), LAND),
                              edgecolor="#8d96a0", linewidth=0.45, zorder=1)
            patch.set_gid(f"country-{_slug(country)}")
            ax.add_patch(patch)
        _graticule(ax, transformer, spec.extent, np)
        renderer = FigureCanvasAgg(fig).get_renderer()  # measures the labels as they will be drawn
        taken: list = []  # what a label must not cover: labels, points, the scale bar
        soft: list = []  # what a label should rather not cover: the routes' lines
        handles = []
        for route in spec.routes:
            lats = [p[0] for p in route.points]
            lons = [p[1] for p in route.points]
            dense_lon, dense_lat = _densify(lons, lats, np)
            xs, ys = transformer.transform(dense_lon, dense_lat)
            colour, width, dashes = _route_style(route, ink, accent)
            line, = ax.plot(xs, ys, color=colour, linewidth=width, solid_capstyle="round", zorder=3,
                            dashes=dashes or (None, None))
            if not dashes:
                line.set_linestyle("-")
            line.set_gid(f"route-{_slug(route.key)}-{route.status.replace(' ', '-')}")
            for px, py in ax.transData.transform(np.column_stack([xs, ys])):
                soft.append((px - 3, py - 3, px + 3, py + 3))
            status = words[f"map_status_{route.status.replace(' ', '_')}"]
            handle = Line2D([], [], color=colour, linewidth=width, label=f"{route.name} ({status})")
            if dashes:
                handle.set_dashes(dashes)
            handles.append(handle)
        bar = _scale_bar(ax, transformer, spec.extent, words["map_km"], ink)
        frame = ax.get_window_extent(renderer)
        # How much more than to NARROW_TEXT the phone's copy enlarges text: a map without a key keeps its full
        # width there (briefkit.outputs.html.narrow_chart, PHONE_COLUMN).
        phone = max(1.0, (fig.get_figwidth() * 72 if not spec.routes else map_width * 72 + 20) / 360)
        bar_box = _box(bar, renderer, phone)
        taken.append((frame.x0, frame.y0, bar_box[2] + 4, bar_box[3] + 2))
        kinds_used = []
        for place in spec.places:
            x, y = transformer.transform(place.lon, place.lat)
            if place.kind in ("sea", "lake", "river", "region"):
                text = ax.text(x, y, place.name, ha="center", va="center", fontsize=LABEL_SIZE, style="italic",
                               color="#2f5d7c", zorder=2)
                taken.append(_box(text, renderer, phone))  # no gid on a text: the phone copy finds texts by theirs
                continue
            marker, size = {"capital": ("s", 5.0), "port": ("o", 5.5)}.get(place.kind, ("o", 4.2))
            face = "white" if place.kind == "port" else ink
            ax.plot(x, y, marker=marker, markersize=size, color=ink, markerfacecolor=face, markeredgewidth=1.1,
                    zorder=5, linestyle="none", gid=f"place-{_slug(place.key)}")
            legend_key = place.kind if place.kind in ("capital", "port") else "city"
            if legend_key not in kinds_used:
                kinds_used.append(legend_key)
            taken.append(_marker_box(ax, x, y, size))
        # The countries' labels first, where each has most room, then the places' (eight positions each).
        _area_labels(ax, spec, outlines, renderer, taken, soft, np, phone)
        for place in spec.places:
            if place.kind in ("sea", "lake", "river", "region"):
                continue
            x, y = transformer.transform(place.lon, place.lat)
            _place_label(ax, x, y, place.name, renderer, taken, soft, phone)
        markers = {"capital": ("s", ink), "port": ("o", "white"), "city": ("o", ink)}
        for key in kinds_used:
            marker, face = markers[key]
            handles.append(Line2D([], [], marker=marker, color=ink, markerfacecolor=face, linestyle="none",
                                  label=words[f"map_legend_{key}"]))
        if spec.title:
            ax.set_title(spec.title)
        if spec.routes:  # without routes the labelled markers need no key
            import textwrap

            for handle in handles:
                handle.set_label("\n".join(textwrap.wrap(handle.get_label(), 30, break_long_words=False,
                                                          break_on_hyphens=False)))
            ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=7.5, frameon=False,
                      handlelength=2.6, labelspacing=0.7)
        paths = {kind: out_dir / f"{spec.name}.{kind}" for kind in kinds}
        if "svg" in paths:
            fig.savefig(paths["svg"], format="svg", metadata=dict.fromkeys(("Date", "Creator", "Format", "Type")),
                        bbox_inches="tight", pad_inches=0.04)
        if "png" in paths:
            fig.savefig(paths["png"], format="png", dpi=PNG_DPI, metadata={"Software": None}, bbox_inches="tight",
                        pad_inches=0.04)
    return paths


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower())


def _route_style(route: MapRoute, ink: str, accent: str) -> tuple[str, float, tuple | None]:
    colour = {"pipeline": accent, "sea": "#2f6d8f", "road": "#5b6470"}.get(route.kind, ink)
    width = {"rail": 2.0, "pipeline": 1.8, "sea": 1.6, "road": 1.5}[route.kind]
    dashes = {"planned": (4.0, 2.2), "under construction": (6.0, 1.6, 1.2, 1.6)}.get(route.status)
    return colour, width, dashes


def _densify(lons: list[float], lats: list[float], np) -> tuple:
    """Each leg cut into short steps, so that it bends with the projection's meridians and parallels."""
    out_lon, out_lat = [lons[0]], [lats[0]]
    for i in range(1, len(lons)):
        steps = max(2, int(math.hypot(lons[i] - lons[i - 1], lats[i] - lats[i - 1]) * 4))
        out_lon += list(np.linspace(lons[i - 1], lons[i], steps)[1:])
        out_lat += list(np.linspace(lats[i - 1], lats[i], steps)[1:])
    return out_lon, out_lat


def _graticule(ax, transformer, extent, np) -> None:
    west, east, south, north = extent
    step = 10 if max(east - west, north - south) > 20 else 5
    for lon in range(math.ceil((west - 20) / step) * step, int(east + 20) + 1, step):
        lats = np.linspace(south - 10, north + 10, 60)
        xs, ys = transformer.transform(np.full(60, float(lon)), lats)
        ax.plot(xs, ys, color="#ffffff", linewidth=0.5, alpha=0.7, zorder=1.5)
    for lat in range(math.ceil((south - 10) / step) * step, int(north + 10) + 1, step):
        lons = np.linspace(west - 20, east + 20, 80)
        xs, ys = transformer.transform(lons, np.full(80, float(lat)))
        ax.plot(xs, ys, color="#ffffff", linewidth=0.5, alpha=0.7, zorder=1.5)


def _box(text, renderer, phone: float = 1.0):
    """The text's extent in display units, grown to its size on a phone about its bottom centre."""
    box = text.get_window_extent(renderer)
    k = max(1.0, NARROW_TEXT * phone / text.get_fontsize())
    mid = (box.x0 + box.x1) / 2
    half = (box.x1 - box.x0) * k / 2
    return (mid - half - 1, box.y0 - 1, mid + half + 1, box.y0 + (box.y1 - box.y0) * k + 1)


def _marker_box(ax, x: float, y: float, size: float):
    px, py = ax.transData.transform((x, y))
    r = size * ax.figure.dpi / 72 / 2 + 1
    return (px - r, py - r, px + r, py + r)


def _overlap(a, b) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


# Candidate positions of a place's label (offset in points, alignment), in order of preference.
_CANDIDATES = (((6, 0), "left", "center"), ((-6, 0), "right", "center"), ((0, 6), "center", "bottom"),
               ((0, -7), "center", "top"), ((5, 5), "left", "bottom"), ((5, -5), "left", "top"),
               ((-5, 5), "right", "bottom"), ((-5, -5), "right", "top"))


def _place_label(ax, x: float, y: float, name: str, renderer, taken: list, soft: list, phone: float) -> None:
    """Greedy placement: the first candidate that stays inside the map and overlaps nothing placed before (nor a
    route), else the one that overlaps least."""
    frame = ax.get_window_extent(renderer)
    best = None
    for offset, ha, va in _CANDIDATES:
        text = ax.annotate(name, (x, y), textcoords="offset points", xytext=offset, ha=ha, va=va,
                           fontsize=LABEL_SIZE, color="#1d2630", zorder=6,
                           bbox={"boxstyle": "square,pad=0.12", "facecolor": "white", "edgecolor": "none",
                                 "alpha": 0.75})
        box = _box(text, renderer, phone)
        outside = (max(0, frame.x0 - box[0]) + max(0, box[2] - frame.x1) + max(0, frame.y0 - box[1])
                   + max(0, box[3] - frame.y1)) * 50
        cost = outside + sum(_overlap(box, other) for other in taken) + 0.3 * sum(
            _overlap(box, other) for other in soft)
        if best is None or cost < best[0]:
            if best is not None:
                best[1].remove()
            best = (cost, text, box)
        else:
            text.remove()
        if cost == 0:
            break
    taken.append(best[2])


def _area_labels(ax, spec: MapSpec, outlines: dict, renderer, taken: list, soft: list, np, phone: float) -> None:
    """Each highlighted country named where its visible part has most room and the label covers no other label
    or point; among such places, one that crosses no route, else the one that crosses routes least."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    gx, gy = np.meshgrid(np.linspace(x0, x1, 48)[1:-1], np.linspace(y0, y1, 40)[1:-1])
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    for area in spec.areas:
        paths = outlines.get(area.country)
        if not paths:
            continue
        inside = np.zeros(len(grid), dtype=bool)
        for path in paths:
            inside ^= path.contains_points(grid)
        if not inside.any():
            continue
        candidates = grid[inside]
        edges = np.concatenate([p.vertices for p in paths])
        # Distance to the nearest border vertex or to the map's frame: the label sits where there is most room.
        room = np.array([min(np.min(np.hypot(*(edges - c).T)), c[0] - x0, x1 - c[0], (c[1] - y0) * 1.6,
                             (y1 - c[1]) * 1.6) for c in candidates])
        best = None
        for index in np.argsort(-room)[:60]:
            cx, cy = candidates[index]
            text = ax.text(cx, cy, area.label.upper(), ha="center", va="center", fontsize=7,
                           color="#26313d" if area.role == "focus" else "#3b4652", zorder=4,
                           fontweight="bold" if area.role == "focus" else "normal")
            box = _box(text, renderer, phone)
            # The label as printed should lie inside its country: each corner and side's middle outside costs.
            tight = text.get_window_extent(renderer)
            probes = ax.transData.inverted().transform(
                [(x, y) for x in (tight.x0, (tight.x0 + tight.x1) / 2, tight.x1) for y in (tight.y0, tight.y1)])
            inside_probe = np.zeros(len(probes), dtype=bool)
            for path in paths:
                inside_probe ^= path.contains_points(probes)
            crossing = sum(_overlap(box, other) for other in soft) + 400 * int((~inside_probe).sum())
            if any(_overlap(box, other) for other in taken) or (best is not None and crossing >= best[0]):
                text.remove()
                continue
            if best is not None:
                best[1].remove()
            best = (crossing, text, box)
            if crossing == 0:
                break
        if best is not None:
            taken.append(best[2])


def _scale_bar(ax, transformer, extent, km: str, ink: str):
    """A bar of a round length near a fifth of the map's width, at the bottom left, measured at the map's centre."""
    west, east, south, north = extent
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    from pyproj import Geod

    mid_lat, mid_lon = (south + north) / 2, (west + east) / 2
    ax_lon, _, _ = Geod(ellps="WGS84").fwd(mid_lon, mid_lat, 90, 100_000)
    px, _ = transformer.transform([mid_lon, ax_lon], [mid_lat, mid_lat])
    metres_per_unit = 100_000 / (px[1] - px[0])
    target = (x1 - x0) * metres_per_unit / 5 / 1000
    length = max((n for n in (50, 100, 200, 250, 500, 1000, 2000) if n <= target), default=50)
    units = length * 1000 / metres_per_unit
    left, bottom = x0 + (x1 - x0) * 0.04, y0 + (y1 - y0) * 0.05
    ax.plot([left, left + units], [bottom, bottom], color=ink, linewidth=2.2, solid_capstyle="butt", zorder=7,
            gid="scale-bar")
    ax.plot([left, left], [bottom, bottom + (y1 - y0) * 0.012], color=ink, linewidth=0.8, zorder=7)
    ax.plot([left + units, left + units], [bottom, bottom + (y1 - y0) * 0.012], color=ink, linewidth=0.8, zorder=7)
    return ax.text(left + units / 2, bottom + (y1 - y0) * 0.018, f"{length:,}".replace(",", "\u202f") + f" {km}",
                   ha="center", va="bottom", fontsize=7, color=ink, zorder=7)
