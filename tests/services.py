"""A service a test needs (chromium, PostgreSQL, …): skipped locally when missing, never in CI."""
from __future__ import annotations

import os

import pytest

REQUIRE_ENV = "MADOGUCHI_REQUIRE_SERVICES"


def require_service(name: str, missing: str | None, install: str) -> None:
    """Call at the start of a test that needs `name`.

    missing: None when the service is there, else why not. Locally the test is then skipped with a
    message saying how to get it; with MADOGUCHI_REQUIRE_SERVICES=1 (.ci/run sets it) it fails, so CI
    never passes by skipping."""
    if missing is None:
        return
    message = f"{name} is not available ({missing}); {install}"
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{message} [{REQUIRE_ENV}=1: required here]", pytrace=False)
    pytest.skip(message)
