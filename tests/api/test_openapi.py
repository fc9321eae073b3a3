"""The published OpenAPI document, snapshot-tested: review the diff when the API changes.

Regenerate with ``YIGONG_UPDATE_SNAPSHOTS=1 pytest tests/api/test_openapi.py``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

SNAPSHOT = Path(__file__).with_name("openapi.json")


def _document(client) -> dict:
    doc = client.get("/openapi.json").json()
    doc["info"]["version"] = "<version>"  # releases do not change the contract
    return doc


def test_openapi_document_matches_the_snapshot(client):
    doc = _document(client)
    text = json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if os.environ.get("YIGONG_UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text(text, encoding="utf-8")
    assert SNAPSHOT.exists(), "no snapshot: run with YIGONG_UPDATE_SNAPSHOTS=1 and review it"
    assert json.loads(SNAPSHOT.read_text(encoding="utf-8")) == doc, (
        "the OpenAPI document changed: regenerate with YIGONG_UPDATE_SNAPSHOTS=1 and review"
    )


def test_every_api_path_is_documented_with_the_error_object(client):
    paths = _document(client)["paths"]
    assert "/api/v1/nodes/{node}/indicators" in paths and "/api/v1/dataValueSets" in paths
    assert not any(p.startswith("/static") or p in ("/", "/tree") for p in paths)
    for path, ops in paths.items():
        for op in ops.values():
            ref = op["responses"]["403"]["content"]["application/json"]["schema"]["$ref"]
            assert ref.endswith("/ErrorBody"), path


def test_every_answer_is_typed_and_every_api_operation_needs_the_bearer_token(client):
    doc = _document(client)
    assert doc["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "the access_token of POST /api/v1/auth/token (a server-side session)",
    }
    files = ("text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            where = f"{method.upper()} {path}"
            public = path in ("/api/v1/auth/token", "/fhir/metadata")
            assert (op.get("security") == [{"bearer": []}]) != public, where
            content = op["responses"]["200"]["content"]
            if any(f in content for f in files):
                continue  # a file: its media type is its type
            if path.startswith("/fhir/"):
                continue  # FHIR resources: their type is FHIR R4 (checked in tests/interop)
            schema = content["application/json"]["schema"]
            assert "$ref" in schema, f"{where} answers an untyped object: {schema}"
