"""One redaction rule for every answer: whole values, parts of `:`-names, text that names a
hidden institution; a counterpart left readable by name; messages rewritten in place."""

from __future__ import annotations

from yigong.access.redact import OUTSIDE_SCOPE, Redactor

HIDDEN = frozenset({"H2", "某医院", "H13042300001"})


def test_values_parts_and_texts():
    r = Redactor(HIDDEN)
    assert r("H2") == OUTSIDE_SCOPE and r("某医院") == OUTSIDE_SCOPE
    assert r("H1") == "H1" and r("某医院医共体") == "某医院医共体"  # a longer name is not it
    assert r("external:out_of_county:H2") == f"external:out_of_county:{OUTSIDE_SCOPE}"
    assert r("discharges:H13042300001-BA00002629-01") == f"discharges:{OUTSIDE_SCOPE}"
    assert r('["discharges:H13042300001-BA01", "x"]') == OUTSIDE_SCOPE  # JSON text in a cell
    assert r("transferred to H2 on 3 May") == OUTSIDE_SCOPE
    line = {"account": "fund:quota:C1", "inputs": {"institution": "H2", "other": "H1"}, "n": 3}
    assert r(line) == {
        "account": "fund:quota:C1",
        "inputs": {"institution": OUTSIDE_SCOPE, "other": "H1"},
        "n": 3,
    }
    assert r([("H2", 1)]) == [[OUTSIDE_SCOPE, 1]]


def test_a_counterpart_by_name_and_messages():
    r = Redactor(HIDDEN)
    assert r.but({"某医院"})("某医院") == "某医院"
    assert r.but({"某医院"})("H2") == OUTSIDE_SCOPE
    text = "accept must be done by the receiver (接收方: H13042300001, H2); institution H1 is requester"
    assert r.message(text, {"H13042300001": "县医院"}) == (
        f"accept must be done by the receiver (接收方: 县医院, {OUTSIDE_SCOPE}); "
        "institution H1 is requester"
    )
    assert Redactor(frozenset()).message(text) == text
