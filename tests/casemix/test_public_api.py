"""The public surface of ``yigong.casemix`` is deliberate: changing it is a reviewed decision."""

from __future__ import annotations

import yigong.casemix as casemix
import yigong.casemix.metrics as metrics


def test_casemix_all_is_pinned():
    assert sorted(casemix.__all__) == sorted(
        [
            "INPUT_SCHEMA",
            "OUTPUT_COLUMNS",
            "STATUSES",
            "Case",
            "GroupStatus",
            "InputError",
            "Issue",
            "Level",
            "Pack",
            "PackError",
            "Trace",
            "available_packs",
            "cases_to_table",
            "explain_case",
            "group_cases",
            "input_problems",
            "load_pack",
            "read_cases_csv",
            "read_pack",
            "table_to_cases",
            "validate_pack",
            "write_results_csv",
        ]
    )
    assert all(hasattr(casemix, name) for name in casemix.__all__)


def test_metrics_all_is_pinned():
    assert sorted(metrics.__all__) == sorted(
        [
            "CASEMIX_INDICATORS",
            "LEVELS",
            "CasemixIndicator",
            "Scale",
            "Trim",
            "WeightTableError",
            "case_facts",
            "casemix_summary",
            "low_risk_groups",
            "read_weight_table",
            "weights_from_data",
        ]
    )
    assert all(hasattr(metrics, name) for name in metrics.__all__)
