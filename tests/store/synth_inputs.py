"""Plain inputs of the synthetic generator used by several store tests."""

from __future__ import annotations

import numpy as np

from yigong.synth.graded_care import GradedCareRates

COUNTY = "410122"


def _institutions() -> list[dict[str, object]]:
    out: list[dict[str, object]] = [
        {
            "institution_id": "H1",
            "type": "county_general",
            "community_id": "C1",
            "county_code": COUNTY,
        },
        {"institution_id": "H2", "type": "county_tcm", "community_id": "C2", "county_code": COUNTY},
        {
            "institution_id": "CDC",
            "type": "public_health",
            "community_id": None,
            "county_code": COUNTY,
        },
    ]
    for t in range(4):
        comm = "C1" if t < 2 else "C2"
        out.append(
            {
                "institution_id": f"T{t}",
                "type": "township_centre",
                "community_id": comm,
                "county_code": COUNTY,
            }
        )
        for v in range(3):
            out.append(
                {
                    "institution_id": f"T{t}V{v}",
                    "type": "village_clinic",
                    "community_id": comm,
                    "county_code": COUNTY,
                }
            )
    return out


def _residents(n: int) -> list[dict[str, object]]:
    rng = np.random.default_rng(3)
    return [
        {"patient_key": f"P{i:05d}", "age": int(a), "sex": "F" if s else "M"}
        for i, (a, s) in enumerate(zip(rng.integers(0, 90, n), rng.integers(0, 2, n), strict=True))
    ]


RATES = GradedCareRates(
    upward_per_resident=0.03, centre_requests_per_resident=0.3, repeat_share=0.3
)
