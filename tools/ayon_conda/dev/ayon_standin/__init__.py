"""A stand-in AYON server (dev only): what the project's code and the sample addons ask an AYON server.

Tests and the demo run against it where no real AYON server (ayon-backend) is available; the
end-to-end suite (tests/e2e) runs the same steps against a real one. ``server`` is the HTTP
side, ``projects`` the entities and batch operations, ``graphql`` the queries ayon-python-api
sends for entities.
"""

from .projects import OperationFailed, ProjectStore
from .server import (
    DEFAULT_API_KEY,
    AyonStandIn,
    SeenRequest,
    make_bundle,
    project_bundle,
    project_bundle_name,
)

__all__ = (
    "DEFAULT_API_KEY",
    "AyonStandIn",
    "OperationFailed",
    "ProjectStore",
    "SeenRequest",
    "make_bundle",
    "project_bundle",
    "project_bundle_name",
)
