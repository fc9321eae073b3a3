"""Schemathesis against the published OpenAPI document: no input makes the server fail.

Cases are generated per operation from the document (Hypothesis, derandomised) and sent as
the county user (the widest scope of the test world), on a session of its own (a generated
logout may end it); the only check is "not a server error" — 4xx answers to nonsense are the
point.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings


def test_no_input_makes_a_server_error(app, client):
    from tests.api.conftest import login
    from yigong.access import warm

    warm.start(app.state.yigong)  # /readyz is a 503 by design until the warm-up is done
    assert app.state.yigong.warm_done.wait(120)
    headers = login(client, "county")
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [r.ok() for r in schema.get_all_operations()]
    assert len(operations) >= 10
    failures: list[str] = []
    statuses: set[int] = set()
    for op in operations:

        @given(case=op.as_strategy())
        @settings(
            max_examples=15,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case) -> None:  # noqa: ANN001
            response = case.call(headers=headers)
            statuses.add(response.status_code)
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} {case.query}: "
                    f"{response.status_code} {response.text[:200]}"
                )

        run()
    assert failures == []
    assert 200 in statuses and statuses & {400, 403, 404, 422}  # real answers, both kinds
