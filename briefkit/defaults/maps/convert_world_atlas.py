"""Make countries-50m.geojson.gz from world-atlas's countries-50m.json (run once, at development time).

    npm install world-atlas@2.0.2
    python briefkit/defaults/maps/convert_world_atlas.py node_modules/world-atlas/countries-50m.json

TopoJSON's shared arcs are decoded into plain GeoJSON polygons, one feature a country with its Natural Earth name
and ISO 3166-1 numeric code; coordinates are kept to 0.01 degree (about a kilometre, below the 1:50m scale's
resolution) and repeated points dropped.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    scale_x, scale_y = topology["transform"]["scale"]
    move_x, move_y = topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * scale_x + move_x, y * scale_y + move_y))
        arcs.append(points)
    return arcs


def ring(indexes: list[int], arcs: list) -> list[list[float]]:
    points: list[tuple[float, float]] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc[1:] if points else arc)
    rounded: list[list[float]] = []
    for x, y in points:
        point = [round(x, 2), round(y, 2)]
        if not rounded or rounded[-1] != point:
            rounded.append(point)
    if rounded[0] != rounded[-1]:
        rounded.append(rounded[0])
    return rounded


def polygons(geometry: dict, arcs: list) -> list:
    shapes = [geometry["arcs"]] if geometry["type"] == "Polygon" else geometry.get("arcs", [])
    out = []
    for shape in shapes:
        rings = [ring(r, arcs) for r in shape]
        rings = [r for r in rings if len(r) >= 4]
        if rings:
            out.append(rings)
    return out


def main(source: str) -> None:
    topology = json.loads(Path(source).read_text(encoding="utf-8"))
    arcs = decode_arcs(topology)
    features = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        shapes = polygons(geometry, arcs)
        if not shapes:
            continue
        features.append({"type": "Feature", "id": geometry.get("id"),
                         "properties": {"name": geometry["properties"]["name"]},
                         "geometry": {"type": "MultiPolygon", "coordinates": shapes}})
    features.sort(key=lambda f: f["properties"]["name"])
    text = json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":"),
                      ensure_ascii=False)
    target = Path(__file__).with_name("countries-50m.geojson.gz")
    target.write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
    print(f"{target}: {len(features)} countries, {target.stat().st_size} bytes")


if __name__ == "__main__":
    main(sys.argv[1])
