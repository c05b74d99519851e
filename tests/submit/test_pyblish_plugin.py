"""The drop-in pyblish plugin, run by pyblish between stand-ins of the AYON Deadline Cloud addon's
plugins: its collector (job data shaped like the addon's), ayon-core's CollectAddons (the loaded
addons and their versions) and the addon's AddPublishingStep (IntegratorOrder)."""

from __future__ import annotations

import copy
import os
import sys
from pathlib import Path
from types import SimpleNamespace

import pyblish.api
import pyblish.plugin
import pyblish.util
import pytest
import yaml
from ayon_publish_submit import PYBLISH_PLUGINS
from support import openjd
from support.addon_job import add_publishing_step, submitter_job
from support.channels import FakePackage, published_channel

LOADED = {"core": "1.9.0", "deadline_cloud": "0.2.0", "maya": "0.4.10", "applications": "1.1.2"}
PACKAGES = [FakePackage({"core": "1.9.0", "deadline_cloud": "0.2.0"}, build_number=n) for n in range(2)]


@pytest.fixture(scope="module")
def channel(moto_s3):
    return published_channel(moto_s3, PACKAGES)


@pytest.fixture
def pyblish_session(monkeypatch, tmp_path: Path):
    """A clean pyblish registry with the plugin directory, the "local" target, and the addon's
    stand-ins; the plugins the test registers are given back to ``run``."""
    pyblish.plugin.deregister_all_paths()
    pyblish.plugin.deregister_all_plugins()
    pyblish.api.register_target("local")
    pyblish.api.register_plugin_path(PYBLISH_PLUGINS)
    monkeypatch.setenv("AYON_BUNDLE_NAME", "prod-2026-10")
    monkeypatch.setenv("AYON_CONDA_CACHE_DIR", str(tmp_path / "cache"))
    yield
    pyblish.plugin.deregister_all_paths()
    pyblish.plugin.deregister_all_plugins()
    pyblish.api.deregister_all_targets()


def publish(job_data: dict, settings: dict | None = None, loaded: dict | None = LOADED) -> pyblish.api.Context:
    class CollectAddons(pyblish.api.ContextPlugin):
        """ayon-core's: the session's addons by name (objects with a version)."""

        order = pyblish.api.CollectorOrder - 0.45

        def process(self, context):
            if loaded is not None:
                context.data["ayonAddons"] = {name: SimpleNamespace(version=v) for name, v in loaded.items()}
            context.data["project_settings"] = {"deadline_cloud": settings or {}}

    class CollectDeadlineCloudJobData(pyblish.api.ContextPlugin):
        """The addon's collector: one deadline_cloud instance holding the job."""

        order = pyblish.api.CollectorOrder + 0.1
        targets = ["local"]

        def process(self, context):
            instance = context.create_instance("renderMain", family="deadline_cloud", families=["deadline_cloud"])
            instance.data["deadline_cloud_job_data"] = job_data

    class AddPublishingStep(pyblish.api.InstancePlugin):
        """The addon's: appends "publish to AYON" at IntegratorOrder."""

        order = pyblish.api.IntegratorOrder
        families = ["deadline_cloud"]
        targets = ["local"]

        def process(self, instance):
            add_publishing_step(instance.data["deadline_cloud_job_data"]["job_template"], "prod-2026-10",
                                "#!/bin/bash\nayon addon deadline_cloud publish --help\n")

    for plugin in (CollectAddons, CollectDeadlineCloudJobData, AddPublishingStep):
        pyblish.api.register_plugin(plugin)
    return pyblish.util.publish()


def job_data(channels: str = "deadline-cloud") -> dict:
    return {"job_template": submitter_job(["mayapy", "render.py"]),
            "parameter_values": [{"name": "CondaPackages", "value": "maya=2025 maya-openjd"},
                                 {"name": "CondaChannels", "value": channels}],
            "asset_references": {}}


def errors(context: pyblish.api.Context) -> list[str]:
    return [str(result["error"]) for result in context.data["results"] if result["error"]]


def ran(context: pyblish.api.Context) -> list[str]:
    return [result["plugin"].__name__ for result in context.data["results"]]


def test_the_plugin_is_found_and_runs_after_the_addons_step(pyblish_session, channel, monkeypatch, tmp_path: Path):
    [plugin] = [p for p in pyblish.api.discover() if p.__name__ == "AddAyonPublishEnvironment"]
    assert pyblish.api.IntegratorOrder < plugin.order < pyblish.api.IntegratorOrder + 0.1  # before SubmitToDeadlineCloud
    assert (plugin.families, plugin.targets) == (["deadline_cloud"], ["local"])

    monkeypatch.setenv("AWS_ENDPOINT_URL", channel.endpoint_url)
    data = job_data()
    render_before = copy.deepcopy(data["job_template"]["steps"][0])
    context = publish(data, {"ayon_publish": {"channels": f"{channel.s3} conda-forge", "keep_days": 7}})
    assert errors(context) == []
    assert ran(context)[-2:] == ["AddPublishingStep", "AddAyonPublishEnvironment"]
    steps = data["job_template"]["steps"]
    render_before["hostRequirements"] = steps[0]["hostRequirements"]  # the addon's own change
    assert steps[0] == render_before
    env = steps[1]["stepEnvironments"][-1]
    args = env["script"]["actions"]["onEnter"]["args"]
    exact = f"ayon-publish==1.9.0[build={PACKAGES[-1].lock().pin.build}]"  # of the loaded core and deadline_cloud
    assert args[args.index("enter") + 1:args.index("enter") + 3] == [exact, f"{channel.s3} conda-forge"]
    assert env["script"]["actions"]["onExit"]["args"][-1] == "7"
    assert env["variables"] == {"AYON_BUNDLE_NAME": "prod-2026-10"}

    template = tmp_path / "template.yaml"  # what SubmitToDeadlineCloud would submit
    template.write_text(yaml.safe_dump(data["job_template"], sort_keys=False))
    assert openjd.openjd("check", template).returncode == 0


def test_channels_come_from_settings_then_the_environment_then_the_job(pyblish_session, channel, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", channel.endpoint_url)
    monkeypatch.setenv("AYON_PUBLISH_CHANNELS", f"{channel.http} conda-forge")
    data = job_data()
    assert errors(publish(data)) == []
    args = data["job_template"]["steps"][1]["stepEnvironments"][-1]["script"]["actions"]["onEnter"]["args"]
    assert f"{channel.http} conda-forge" in args

    monkeypatch.delenv("AYON_PUBLISH_CHANNELS")
    data = job_data(f"{channel.s3} deadline-cloud")
    assert errors(publish(data)) == []
    args = data["job_template"]["steps"][1]["stepEnvironments"][-1]["script"]["actions"]["onEnter"]["args"]
    assert f"{channel.s3} deadline-cloud" in args


def test_option_c_from_settings(pyblish_session, moto_s3, monkeypatch):
    core = published_channel(moto_s3, [FakePackage({"core": "1.9.0"}, name="ayon-publish-core")])
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_s3.endpoint_url)
    data = job_data()
    settings = {"ayon_publish": {"channels": core.s3, "package": "ayon-publish-core",
                                 "addons_s3_uri": "s3://ja-bucket/queue-root/ayon"}}
    assert errors(publish(data, settings)) == []
    env = data["job_template"]["steps"][1]["stepEnvironments"][-1]
    args = env["script"]["actions"]["onEnter"]["args"]
    assert args[args.index("enter") + 1].startswith("ayon-publish-core==1.9.0[build=")
    assert env["variables"] == {"AYON_BUNDLE_NAME": "prod-2026-10", "AYON_ADDONS_S3_URI": "s3://ja-bucket/queue-root/ayon"}


def test_failures_are_one_line_for_the_artist_and_the_job_is_not_changed(pyblish_session, channel, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", channel.endpoint_url)
    data = job_data()  # channels: the job's "deadline-cloud" alone
    [error] = errors(publish(data))
    assert error == ("CondaChannels: 'deadline-cloud' has no s3://, https:// or file:// channel; "
                     "add the channel that holds the ayon-publish packages")
    assert [s["name"] for s in data["job_template"]["steps"][1]["stepEnvironments"]] == ["CondaEnv", "AYONEnv"]

    old = {**LOADED, "core": "1.8.0"}
    [error] = errors(publish(job_data(), {"ayon_publish": {"channels": channel.s3}}, loaded=old))
    assert error.startswith(f"{channel.s3}: no package for bundle 'prod-2026-10' (ayon-publish ==1.8.0 ") and "\n" not in error

    [error] = errors(publish(job_data(), {"ayon_publish": {"channels": channel.s3}}, loaded=None))
    assert error.startswith("publish context: has no 'ayonAddons'")


def test_ayon_core_discovers_the_plugin_and_the_artist_sees_a_publish_error():
    """With real ayon-core (AYON_CORE_SOURCE: an unpacked ayon-core tag): its own plugin discovery
    (which the publisher uses for an addon's publish plugin paths) loads the plugin without a
    crash, and a failure reaches the artist as ayon-core's PublishError."""
    source = os.environ.get("AYON_CORE_SOURCE")
    if not source:
        pytest.skip("AYON_CORE_SOURCE is not set (path to an unpacked ayon-core tag)")
    sys.path.insert(0, str(Path(source) / "client"))
    try:
        try:
            from ayon_core.pipeline.publish import PublishError
        except ModuleNotFoundError as exc:  # clique, arrow, speedcopy: what AYON's launcher provides
            pytest.skip(f"ayon-core's client dependencies are not importable here ({exc}); put them on PYTHONPATH")

        from ayon_core.pipeline.publish.lib import publish_plugins_discover

        found = publish_plugins_discover([PYBLISH_PLUGINS])
        assert found.crashed_file_paths == {} and [p.__name__ for p in found.plugins] == ["AddAyonPublishEnvironment"]
        error = sys.modules[found.plugins[0].__module__]._publish_error("one line")
        assert isinstance(error, PublishError) and error.message == "one line"
    finally:
        sys.path.remove(str(Path(source) / "client"))
