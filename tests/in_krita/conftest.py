"""Fixtures for tests that run inside real Krita (see krita_runner.py).

They are skipped where Krita or Xvfb is missing, unless MASKGAN_REQUIRE_KRITA=1
(set by .ci/run, which installs both): then a missing editor fails the run.
"""

import os

import pytest

from krita_runner import build_template_profile, krita_available


def pytest_collection_modifyitems(config, items):
    if krita_available():
        return
    if os.environ.get("MASKGAN_REQUIRE_KRITA") == "1":
        raise pytest.UsageError("MASKGAN_REQUIRE_KRITA=1 but krita or xvfb-run is not installed")
    skip = pytest.mark.skip(reason="Krita 5 and xvfb-run are not installed (apt-get install krita xvfb)")
    for item in items:
        if "tests/in_krita/" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def krita_template(tmp_path_factory):
    return build_template_profile(tmp_path_factory.mktemp("krita-template"))
