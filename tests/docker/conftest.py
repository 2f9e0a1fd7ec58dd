"""Docker tests: a real Docker Engine (started by scripts/docker-engine.sh, as .ci/run does).

Every test marked `docker` is skipped, with the reason, only when no engine answers; anything
else that goes wrong (an image that cannot be built, compose missing) fails.
"""

from __future__ import annotations

import os

import dockertest_images as images
import pytest
from dockertest_engine import (
    engine_client,
    engine_problem,
    new_project_name,
    remove_leftover_projects,
    remove_project,
)


def pytest_collection_modifyitems(config, items):
    docker_items = [item for item in items if item.get_closest_marker("docker")]
    if not docker_items:
        return
    problem = engine_problem()
    if problem:
        skip = pytest.mark.skip(reason=f"no Docker Engine answers ({problem}); "
                                       "start one with: scripts/docker-engine.sh start")
        for item in docker_items:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def engine():
    client = engine_client()
    remove_leftover_projects(client)
    yield client
    client.close()


@pytest.fixture(scope="session")
def findface_image(engine) -> str:
    """The test image (Debian + python3 + ffwizard's simulated services), tagged with every
    image name the FindFace compose files of the tests use."""
    return images.ensure_findface_images(engine)


@pytest.fixture
def project_name(engine):
    """A compose project name of its own; its containers are removed at the end."""
    name = new_project_name()
    yield name
    if not os.environ.get("FFWIZARD_KEEP_CONTAINERS"):
        remove_project(engine, name)
