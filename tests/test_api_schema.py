"""Schemathesis against the published OpenAPI document, with a valid owner token: whatever
the generated input, the API answers without a server error (and in the shapes it declares).

Bounded on purpose (a few examples per operation, no shrinking) so it runs in seconds on
each backend; raise ``MAX_EXAMPLES`` locally to fuzz harder.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import new_pg_database
from tests.test_api import V1, Env, build_env
from tests.test_api_permissions import ROUTES

MAX_EXAMPLES = 15
CHECKS = [
    not_a_server_error,
    status_code_conformance,  # every status we answer with is declared
    content_type_conformance,  # … with its media type (problem+json for errors)
    response_schema_conformance,  # … and its body matches the declared schema
]


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def schema_env(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Like ``database_url`` + ``build_env``, once per module and backend."""
    tmp = tmp_path_factory.mktemp("api-schema")
    if request.param == "sqlite":
        url = f"sqlite:///{tmp / 'shequn.db'}"
    else:
        url = new_pg_database(request.getfixturevalue("pg_base_url"))
    env = build_env(url, tmp)
    yield env
    env.close()


@pytest.fixture(scope="module")
def api_schema(schema_env: Env) -> Any:
    return schemathesis.openapi.from_asgi(f"{V1}/openapi.json", schema_env.app)


def test_no_server_errors(api_schema: Any, schema_env: Env) -> None:
    """Every operation, generated input, the owner's token: never a 5xx.

    (Each operation runs as its own Hypothesis test inside this one: schemathesis'
    ``pytest.from_fixture`` reads a private pytest attribute that pytest 9 removed.)
    """
    token = {"Authorization": f"Bearer {schema_env.secrets['owner']}"}
    failures: dict[str, str] = {}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) == len(set(ROUTES.values()))  # every route of the permission matrix
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def check(case: Any) -> None:
            case.call_and_validate(headers=token, checks=CHECKS)

        try:
            check()
        except Exception as e:
            failures[operation.label] = f"{type(e).__name__}: {e}"[:2000]
    assert not failures, "\n\n".join(f"{k}\n{v}" for k, v in failures.items())
