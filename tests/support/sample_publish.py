"""The sample farm publish into the AYON stand-in, and what a publish must leave there.

``ayon addon deadline_cloud publish`` (or ``ayon publish`` of the sample farm job) runs from an
installed package against the stand-in's sample studio (``ayon_conda.dev.ayon_standin.sample_site``);
``assert_published`` checks what a user would: a new version of the product on the server whose
representation files are in the project's root, byte for byte the rendered frames.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from ayon_conda.dev.ayon_standin import AyonStandIn
from ayon_conda.dev.ayon_standin.sample_site import FOLDER, PROJECT, TASK, USER, sample_site
from conftest import EXAMPLES, SAMPLE_BUNDLE

ADDONS = [EXAMPLES / "addons" / "sample-ayon-core", EXAMPLES / "addons" / "sample-ayon-deadline-cloud"]
RENDER = EXAMPLES / "publish" / "render"
FARM_JOB = EXAMPLES / "publish" / "farm-job.json"
#: ``ayon`` arguments of the Deadline Cloud job's publish step
DEADLINE_PUBLISH = ["addon", "deadline_cloud", "publish", "-p", PROJECT, "-f", FOLDER, "-t", TASK, "-u", USER,
                    "--product-base-type", "render", str(RENDER)]
#: the environment a farm job sets for ``ayon publish`` of ``FARM_JOB``
FARM_JOB_ENV = {"AYON_PROJECT_NAME": PROJECT, "AYON_FOLDER_PATH": FOLDER, "AYON_TASK_NAME": TASK, "AYON_USERNAME": USER}


@contextmanager
def running_site(projects_root: Path) -> Iterator[AyonStandIn]:
    """The stand-in serving the sample bundle, both sample addons and the sample project."""
    import json

    with sample_site(json.loads(SAMPLE_BUNDLE.read_text()), ADDONS, projects_root) as site:
        yield site


def publish_env(site: AyonStandIn, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) without ``AYON_*`` and ``PYTHONPATH``,
    pointing at ``site``."""
    env = {k: v for k, v in (os.environ if base is None else base).items()
           if not k.startswith("AYON_") and k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update({"AYON_SERVER_URL": site.url, "AYON_API_KEY": site.api_key})
    return env


def versions(site: AyonStandIn, product_name: str) -> list[int]:
    """Version numbers of ``product_name`` on the server."""
    products = [p["id"] for p in site.store.entities(PROJECT, "product") if p["name"] == product_name]
    return sorted(v["version"] for v in site.store.entities(PROJECT, "version") if v["productId"] in products)


def assert_published(site: AyonStandIn, projects_root: Path, product_name: str = "renderBeauty",
                     version: int = 1) -> list[Path]:
    """The server holds ``version`` of the product, by the submitting user, with the frames'
    resolution (read with Pillow, the sample core's compiled run requirement) and a representation
    whose files are in the project root with the rendered frames' bytes; returns those files."""
    (product,) = [p for p in site.store.entities(PROJECT, "product") if p["name"] == product_name]
    (entity,) = [v for v in site.store.entities(PROJECT, "version")
                 if v["productId"] == product["id"] and v["version"] == version]
    assert entity["author"] == USER
    assert (entity["attrib"].get("resolutionWidth"), entity["attrib"].get("resolutionHeight")) == (64, 36)
    (repre,) = [r for r in site.store.entities(PROJECT, "representation") if r["versionId"] == entity["id"]]
    files = [Path(f["path"].replace("{root[work]}", str(projects_root))) for f in repre["files"]]
    assert [f.read_bytes() for f in files] == [p.read_bytes() for p in sorted(RENDER.iterdir())]
    return files
