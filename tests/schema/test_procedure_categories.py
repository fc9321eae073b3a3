"""The operation category of every ICD-9-CM-3 医保版 code: shipped data, reproducible from the
CHS-DRG packs by `scripts/build_procedure_categories.py`."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from yigong.schema.codes import national_codes, procedure_categories, procedure_category_rows

SCRIPT = Path(__file__).parents[2] / "scripts" / "build_procedure_categories.py"


def _builder():
    spec = importlib.util.spec_from_file_location("build_procedure_categories", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_code_has_a_category():
    cats = procedure_categories()
    assert set(cats) == set(national_codes("icd9cm3"))
    assert set(cats.values()) == {"operation", "interventional", "diagnostic", "therapeutic"}


@pytest.mark.parametrize(
    ("code", "category"),
    [
        ("47.0100", "operation"),  # laparoscopic appendicectomy: on both OR lists
        ("36.0700", "interventional"),  # drug-eluting coronary stent: Handan OR list only
        ("99.2500x017", "interventional"),  # chemo-embolisation, chapter 99, off the OR lists
        ("39.9500", "therapeutic"),  # haemodialysis: on the OR lists, never surgery
        ("03.3101", "therapeutic"),  # lumbar puncture: on the national OR list
        ("80.2600", "diagnostic"),  # knee arthroscopy (examination)
        ("87.4400", "diagnostic"),  # chest X-ray
        ("88.5500", "diagnostic"),  # coronary angiography: on the national OR list
        ("96.7101", "therapeutic"),  # ventilation: on the OR lists, chapter 96
        ("99.2503", "therapeutic"),  # intravenous chemotherapy
    ],
)
def test_hand_checked_codes(code, category):
    assert procedure_categories()[code] == category


def test_surgery_is_operation_or_interventional():
    for row in procedure_category_rows():
        surgery = row["category"] in ("operation", "interventional")
        assert row["is_surgery"] == ("1" if surgery else "0"), row


def test_shipped_file_is_what_the_builder_derives():
    shipped = [
        (r["code"], r["category"], int(r["is_surgery"]), int(r["or_national"]))
        + (int(r["or_regional"]), r["basis"])
        for r in procedure_category_rows()
    ]
    assert shipped == _builder().build_rows()
