"""The `driver` fixture: a driver of the `backend` fixture's server (tests/conftest.py), closed after the test."""

import pytest


@pytest.fixture
def driver(backend):
    with backend.driver() as opened:
        yield opened
