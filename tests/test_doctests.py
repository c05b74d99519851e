"""The examples in the docstrings of the pipeline, the submission side and the shipped code run.

Every module with public functions or classes is in the run and must carry at least one example,
unless it is left out here by name with the reason: its work is at the edges (I/O, processes,
servers), where the suite judges it against real tools instead. A left-out module that gains an
example must join the run (the list is checked both ways).
"""

from __future__ import annotations

import doctest
import importlib
import inspect
import pkgutil

import ayon_conda
import ayon_publish
import ayon_publish_submit
import pytest

#: Every module of the pipeline, the submission side and the shipped code (recipe/ayon_publish).
ALL = [m.name for pkg in (ayon_conda, ayon_publish_submit, ayon_publish)
       for m in pkgutil.walk_packages(pkg.__path__, f"{pkg.__name__}.") if not m.name.endswith("__main__")]

#: Modules left out of the doctest run, by why.
LEFT_OUT = {
    "the command line and what it prints": [
        "ayon_conda.cli", "ayon_conda.progress", "ayon_conda.doctor", "ayon_conda.matrix", "ayon_conda.release",
        "ayon_conda.queue_environment",
    ],
    "network, S3 and AYON servers (judged against moto, http.server and the AYON stand-in)": [
        "ayon_conda.download", "ayon_conda.s3", "ayon_conda.channel.s3_bucket", "ayon_conda.addons_upload",
        "ayon_conda.channel.mirror", "ayon_conda.pin.addon_sources", "ayon_publish_submit.remote",
        "ayon_publish_submit.channel_reader", "ayon_publish.addon_sync", "ayon_publish.preflight",
    ],
    "files, archives and channels on disk": [
        "ayon_conda.build.conda_archive", "ayon_conda.package_file", "ayon_conda.channel.directory",
        "ayon_conda.channel.indexer", "ayon_conda.channel.audit", "ayon_conda.channel.publish",
        "ayon_conda.pin.addon_tree", "ayon_conda.pin.source_archives", "ayon_conda.pin.client_pyproject",
        "ayon_conda.build.vendor_tree", "ayon_conda.build.vendored_wheels", "ayon_conda.build.wheelhouse",
        "ayon_conda.build.build_lock", "ayon_conda.build.recipes", "ayon_conda.pin.make_lock",
        "ayon_publish.file_lock", "ayon_publish_submit.package_about",
    ],
    "processes and installers (uv, py-rattler, rattler-build, conda-build, OpenJD, ayon)": [
        "ayon_conda.build.verify", "ayon_conda.build.backends",
        "ayon_conda.build.backends.conda_build", "ayon_conda.build.backends.external_tool",
        "ayon_conda.build.backends.native", "ayon_conda.build.backends.rattler_build",
        "ayon_conda.build.backends.rattler_build_module", "ayon_conda.shutdown", "ayon_publish_submit.conda_session",
        "ayon_publish_submit.publish_step", "ayon_publish.bootstrap", "ayon_publish.self_check",
        "ayon_publish_submit.pyblish_plugins.add_ayon_publish_environment",
    ],
    "helpers of tests, the demo and benchmarks (dev/)": [
        "ayon_conda.dev.addon_package", "ayon_conda.dev.ayon_standin.graphql", "ayon_conda.dev.ayon_standin.projects",
        "ayon_conda.dev.ayon_standin.sample_site", "ayon_conda.dev.ayon_standin.server", "ayon_conda.dev.frames",
        "ayon_conda.dev.local_channel", "ayon_conda.dev.local_s3", "ayon_conda.dev.python_channel",
        "ayon_conda.dev.tiny_package", "ayon_conda.dev.wheel_channel",
    ],
}
LEFT_OUT_NAMES = {name for names in LEFT_OUT.values() for name in names}


def examples(name: str) -> int:
    return sum(len(test.examples) for test in doctest.DocTestFinder().find(importlib.import_module(name)))


def has_public_code(name: str) -> bool:
    """Public functions or classes defined in the module itself (a package's ``__init__`` that
    only re-exports has none)."""
    module = importlib.import_module(name)
    return any(not key.startswith("_") and (inspect.isfunction(value) or inspect.isclass(value))
               and value.__module__ == name for key, value in vars(module).items())


RUN = [name for name in ALL if name not in LEFT_OUT_NAMES and has_public_code(name)]


@pytest.mark.parametrize("name", RUN)
def test_docstring_examples(name: str):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"{name} has no docstring example: add one, or leave it out in LEFT_OUT with why"
    assert result.failed == 0


def test_left_out_modules_exist_and_have_no_examples():
    assert sorted(LEFT_OUT_NAMES - set(ALL)) == []
    assert [name for name in sorted(LEFT_OUT_NAMES) if examples(name)] == []  # these belong in the run
