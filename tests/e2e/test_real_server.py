"""The product's one job, proven on a real AYON server: a farm publish from the package lands in AYON.

Given ``AYON_E2E_SERVER_URL`` and ``AYON_E2E_API_KEY`` (a service user) of a server that has
ayon-core installed, the suite uploads the sample deadline_cloud addon (restarting the server
when that version was not there), makes a bundle of the production bundle's core and that
addon production for the run, and then does what a release engineer and a farm do:
``ayon-conda pin --server URL --bundle production`` with both addons' client code from the server
(download_addon_private_file), ``build``, ``verify`` with py-rattler (compiled run requirements
from a local channel), a project with a folder and a task, a rendered frame sequence, and
``ayon addon deadline_cloud publish`` from the installed package; ayon-python-api must then see
a new version whose representation files are in the project's root. ``ayon-conda resolve
--server`` must find that package and check the server's version against its recorded range;
``ayon-conda addons upload --server`` to a local S3 (moto) and ayon-publish-core's activation must
publish a second version. A publish that cannot be done must fail with one line naming the
cause and leave no version behind. Everything it creates on the server is removed afterwards.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from ayon_conda.dev.addon_package import client_zip, write_addon_zip
from ayon_conda.dev.frames import write_frames
from ayon_conda.pin.addon_tree import read_package_py
from ayon_publish_submit.versions import in_range
from conftest import EXAMPLES, REPO, error_line, json_out, run_cli
from real_server import E2E_PREFIX, RealServer
from ruamel.yaml import YAML

SERVER_URL = os.environ.get("AYON_E2E_SERVER_URL", "")
API_KEY = os.environ.get("AYON_E2E_API_KEY", "")
E2E_CHANNEL = os.environ.get("AYON_E2E_CHANNEL", "")  # a channel with python and the compiled requirements
E2E_CORE = os.environ.get("AYON_E2E_CORE_VERSION", "")  # default: the production bundle's core
pytestmark = [
    pytest.mark.skipif(not (SERVER_URL and API_KEY), reason="no real AYON server: set AYON_E2E_SERVER_URL "
                       "and AYON_E2E_API_KEY (a service user's key)"),
    pytest.mark.network,  # pin resolves with uv and builds download wheels from PyPI
]

DEADLINE_ADDON = EXAMPLES / "addons" / "sample-ayon-deadline-cloud"
#: synced in option C only: its client needs inflection, which the package does not vendor
NOTES_ADDON = EXAMPLES / "addons" / "sample-ayon-notes"
STAMP = time.strftime("%Y%m%d%H%M%S")
PROJECT = f"{E2E_PREFIX}{STAMP}"
FOLDER, TASK, USER = "/sh010", "lighting", "e2e-artist"


TIMES: dict[str, float] = {}


@contextmanager
def step(name: str) -> Iterator[None]:
    """Time one step of the suite (a repeated name adds up)."""
    start = time.perf_counter()
    try:
        yield
    finally:
        TIMES[name] = TIMES.get(name, 0.0) + time.perf_counter() - start


@pytest.fixture(scope="module", autouse=True)
def step_times(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each step's time and the total, printed after the module (and written as JSON to the
    file ``AYON_E2E_TIMES`` names, if set)."""
    yield
    lines = [f"{seconds:8.2f} s  {name}" for name, seconds in TIMES.items()]
    lines.append(f"{sum(TIMES.values()):8.2f} s  total (server {SERVER_URL})")
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_sep("-", "end-to-end steps")
        for line in lines:
            reporter.write_line(line)
    if os.environ.get("AYON_E2E_TIMES"):
        Path(os.environ["AYON_E2E_TIMES"]).write_text(json.dumps({**TIMES, "total": sum(TIMES.values())}, indent=2))


@pytest.fixture(scope="module")
def server() -> Iterator[RealServer]:
    real = RealServer(SERVER_URL, API_KEY)
    yield real
    real.close()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("e2e")


@pytest.fixture(scope="module")
def server_env() -> Iterator[None]:
    """``ayon-conda`` in this process reads the key from AYON_API_KEY, never from the command line."""
    saved = os.environ.get("AYON_API_KEY")
    os.environ["AYON_API_KEY"] = API_KEY
    yield
    if saved is None:
        os.environ.pop("AYON_API_KEY", None)
    else:
        os.environ["AYON_API_KEY"] = saved


def install_sample_addon(server: RealServer, addon_dir: Path, workdir: Path) -> dict[str, str]:
    """A sample addon installed on the server (uploaded unless the server already holds exactly
    this client code)."""
    meta = read_package_py(addon_dir)
    name, version = str(meta["name"]), str(meta["version"])
    ours = client_zip(addon_dir / "client" / str(meta["client_dir"]))
    with step(f"upload the {name} addon (and restart the server)"):
        if server.installed_client_sha256(name, version) != hashlib.sha256(ours).hexdigest():
            server.install_addon(write_addon_zip(addon_dir, workdir / "addons"), name, version)
    return {"name": name, "version": version}


@pytest.fixture(scope="module")
def bundle(server: RealServer, workdir: Path) -> Iterator[dict]:
    """A bundle of the production bundle's core (or ``AYON_E2E_CORE_VERSION``, installed on the
    server) and the sample addons, production for the run."""
    sample = [install_sample_addon(server, path, workdir) for path in (DEADLINE_ADDON, NOTES_ADDON)]
    with step("create the bundle and make it production"):
        current = server.bundles()
        production = next(b for b in current["bundles"] if b["name"] == current["productionBundle"])
        addons = {"core": E2E_CORE or production["addons"]["core"], **{a["name"]: a["version"] for a in sample}}
        name = f"{E2E_PREFIX}-{STAMP}"
        previous = server.make_production_bundle(name, addons, production["installerVersion"])
    yield next(b for b in server.bundles()["bundles"] if b["name"] == name)
    server.drop_bundle(name, previous)


@pytest.fixture(scope="module")
def config(workdir: Path) -> Path:
    """recipe/components.yaml with every addon's client code from the server (client.zip), and
    the server range of the deadline_cloud addon's package.py, which AYON does not serve (as a
    studio copies it from the addon's package.py)."""
    yaml = YAML()
    data = yaml.load(REPO / "recipe" / "components.yaml")
    for addon in data["addons"].values():
        addon["source"] = {"server": "client.zip"}
    data["addons"]["deadline_cloud"]["ayon_server_version"] = read_package_py(DEADLINE_ADDON)["ayon_server_version"]
    data["conda_names"] = str(REPO / "recipe" / data["conda_names"])
    path = workdir / "components.yaml"
    with path.open("w") as stream:
        yaml.dump(data, stream)
    return path


@pytest.fixture(scope="module")
def lock(bundle: dict, config: Path, server_env: None, workdir: Path) -> dict:
    """The lock of the production bundle. With ``AYON_E2E_CHANNEL`` (e.g. conda-forge) pin proves
    the compiled run requirements install from it; without, that check is left to pin's own
    tests (conda-forge is out of reach here) and verify installs them from a local channel."""
    path = workdir / "production.lock.json"
    check = ["--channel", E2E_CHANNEL] if E2E_CHANNEL else ["--skip-run-check"]
    with step("pin --server URL --bundle production"):
        run_cli("pin", "--server", SERVER_URL, "--bundle", "production", "--config", config, *check, "-o", path, "-q")
    return {"path": path, **json.loads(path.read_text())}


@pytest.fixture(scope="module")
def packages(lock: dict, workdir: Path) -> dict[str, Path]:
    with step("build"):
        run_cli("build", lock["path"], "-o", workdir / "dist", "-q")
    noarch = workdir / "dist" / "noarch"
    return {"ayon-publish": next(noarch.glob("ayon-publish-[0-9]*.conda")),
            "ayon-publish-core": next(noarch.glob("ayon-publish-core-*.conda"))}


@pytest.fixture(scope="module")
def local_channel(lock: dict, workdir: Path) -> str:
    """Where python and the run requirements come from: ``AYON_E2E_CHANNEL``, else a local
    channel (``ayon-conda local-channel --lock``: python from this interpreter, the compiled run
    requirements and ayon-publish-core's boto3 from PyPI wheels)."""
    if E2E_CHANNEL:
        return E2E_CHANNEL
    with step("local channel: python, compiled run requirements, boto3"):
        run_cli("local-channel", workdir / "local-channel", "--lock", lock["path"], "-q")
    return (workdir / "local-channel").as_uri()


@pytest.fixture(scope="module")
def installed(packages: dict[str, Path], local_channel: str, workdir: Path) -> Path:
    """ayon-publish installed by py-rattler; its ``ayon --version`` and ``--self-check`` ran."""
    prefix = workdir / "env"
    with step("verify (py-rattler installs ayon-publish, ayon runs)"):
        run_cli("verify", packages["ayon-publish"], "--channel", local_channel, "--prefix", prefix, "-q")
    return prefix


@pytest.fixture(scope="module")
def project(server: RealServer, bundle: dict, workdir: Path) -> Iterator[dict]:
    """A project whose work root is local, with the folder, task and submitting user; ayon-core's
    thumbnail extractor is off in it when the core has one (it needs ffmpeg or oiiotool, which
    the AYON launcher's third-party addon provides and a worker's environment does not)."""
    root = workdir / "projects"
    with step("create project, folder, task and user"):
        server.create_project(PROJECT, f"e2e{STAMP[-6:]}", root)
        server.create_folder_and_task(PROJECT, FOLDER.strip("/"), "Shot", TASK, "Lighting")
        server.ensure_user(USER, PROJECT)
        thumbnails_off = server.disable_publish_plugin(PROJECT, "core", bundle["addons"]["core"], "ExtractThumbnail")
    yield {"name": PROJECT, "root": root, "thumbnails_off": thumbnails_off}
    server.delete_project(PROJECT)


@pytest.fixture(scope="module")
def render(workdir: Path) -> Path:
    with step("render a frame sequence"):
        write_frames(workdir / "render", "beauty", 1001, 5)
    return workdir / "render"


@pytest.fixture(scope="module")
def channel(packages: dict[str, Path], workdir: Path) -> Path:
    """A directory channel holding both packages, as the studio's channel would."""
    path = workdir / "channel"
    with step("publish both packages to a channel"):
        run_cli("publish", packages["ayon-publish"], packages["ayon-publish-core"], "--channel", path, "-q")
    return path


def publish_args(render_dir: Path, folder: str = FOLDER, task: str = TASK, user: str = USER) -> list[str]:
    return ["addon", "deadline_cloud", "publish", "-p", PROJECT, "-f", folder, "-t", task, "-u", user,
            "--product-base-type", "render", str(render_dir)]


def worker_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AYON_") and k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update({"AYON_SERVER_URL": SERVER_URL, "AYON_API_KEY": API_KEY, **extra})
    return env


def ayon(prefix: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(prefix / "bin" / "ayon"), *args], capture_output=True, text=True,
                          env=env or worker_env(), timeout=600)


def render_versions(server: RealServer) -> list[dict]:
    """Versions of the folder's render product (its name is ayon-core's product name template's)."""
    folder = server.con.get_folder_by_path(PROJECT, FOLDER)
    products = list(server.con.get_products(PROJECT, folder_ids=[folder["id"]])) if folder else []
    assert len(products) <= 1, [p["name"] for p in products]
    return server.versions(PROJECT, FOLDER, products[0]["name"]) if products else []


def assert_new_version(server: RealServer, project: dict, render_dir: Path, before: int,
                       output: str) -> dict:
    """The server holds version ``before + 1`` of the render product, which the publish named;
    its files are in the project root, byte for byte the rendered frames."""
    versions = render_versions(server)
    assert [v["version"] for v in versions][-1:] == [before + 1], versions
    product = server.con.get_product_by_id(PROJECT, versions[-1]["productId"])
    assert f"Published {product['name']} v{before + 1:03d} to '{PROJECT}' {FOLDER}" in output
    files = server.representation_files(PROJECT, versions[-1]["id"], project["root"])
    assert files and all(f.is_relative_to(project["root"]) for f in files)
    assert [f.read_bytes() for f in files] == [p.read_bytes() for p in sorted(render_dir.iterdir())]
    return versions[-1]


# -- the main job ----------------------------------------------------------------------------------

def test_the_lock_comes_from_the_server(lock: dict, bundle: dict) -> None:
    assert lock["bundle"]["name"] == bundle["name"]
    sources = {addon["name"]: addon["source"] for addon in lock["addons"]}
    assert set(sources) == {"core", "deadline_cloud"}
    assert all(source["kind"] == "server" for source in sources.values()), sources


def test_publish_from_the_installed_package_lands_in_the_server(
        server: RealServer, installed: Path, project: dict, render: Path) -> None:
    with step("publish from the installed package"):
        proc = ayon(installed, *publish_args(render))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    version = assert_new_version(server, project, render, before=0, output=proc.stdout)
    assert version["author"] == USER


def test_resolve_checks_the_server_version(server: RealServer, packages: dict[str, Path], lock: dict,
                                           channel: Path, server_env: None) -> None:
    with step("resolve --server URL --bundle production"):
        out = json_out(run_cli("resolve", "--server", SERVER_URL, "--bundle", "production", "-c", channel, "--json"))
    assert out["filename"] == packages["ayon-publish"].name == lock["pin"]["filename"]
    assert out["server_version"] == server.version()
    assert out["server_range"], "the package records no AYON server range to check the server against"
    assert in_range(out["server_version"], out["server_range"])
    refused = run_cli("resolve", "--server", SERVER_URL, "--bundle", "production", "-c", channel,
                      "--server-version", "99.0.0", code=1)
    assert "99.0.0" in error_line(refused)


def test_option_c_publishes_with_addons_synced_from_s3(
        server: RealServer, packages: dict[str, Path], local_channel: str, config: Path, bundle: dict,
        project: dict, render: Path, moto_s3, workdir: Path, server_env: None) -> None:
    """The sample notes addon comes with its own dependency (inflection): uploaded beside it,
    synced, on ayon's sys.path; its plugin writes the version's comment with it."""
    bucket = moto_s3.new_bucket("studio-conda")
    with step("addons upload --server URL --bundle NAME (moto S3)"):  # by name: other runs may switch production
        uploaded = json_out(run_cli("addons", "upload", "--server", SERVER_URL, "--bundle", bundle["name"], "--config",
                                    config, "--to", f"s3://{bucket}/ayon-addons", "--endpoint-url", moto_s3.endpoint_url,
                                    "--json"))
    notes = next(a for a in uploaded["addons"] if a["name"] == "notes")
    assert [d["name"] for d in notes["python"]] == ["inflection"], notes
    prefix = workdir / "core-env"
    with step("install ayon-publish-core"):
        run_cli("verify", packages["ayon-publish-core"], "--channel", local_channel, "--prefix", prefix, "-q")
    before = len(render_versions(server))
    env = worker_env(CONDA_PREFIX=str(prefix), AWS_ENDPOINT_URL=moto_s3.endpoint_url,
                     AYON_ADDONS_S3_URI=f"s3://{bucket}/ayon-addons", AYON_BUNDLE_NAME=bundle["name"],
                     AYON_ADDONS_CACHE_DIR=str(workdir / "addon-cache"))
    command = shlex.join([str(prefix / "bin" / "ayon"), *publish_args(render)])
    script = f'set -euo pipefail\nsource "{prefix}/etc/conda/activate.d/ayon-publish-core.sh"\n{command}'
    with step("activate (addon sync) and publish from ayon-publish-core"):
        proc = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    version = assert_new_version(server, project, render, before=before, output=proc.stdout)
    comment = server.con.get_version_by_id(PROJECT, version["id"], fields={"attrib.comment"})["attrib"]["comment"]
    assert comment.endswith(", published on the farm"), comment  # a version attribute on a real server


def test_option_c_without_the_store_configured_names_the_cause(
        server: RealServer, packages: dict[str, Path], local_channel: str, bundle: dict, render: Path,
        workdir: Path) -> None:
    """No AYON_ADDONS_S3_URI (and an old agent's missing job attachments variables): real
    ayon-core would load no addon and say "No such command 'deadline_cloud'"; ``ayon`` says why."""
    prefix = workdir / "core-env"
    if not prefix.is_dir():
        run_cli("verify", packages["ayon-publish-core"], "--channel", local_channel, "--prefix", prefix, "-q")
    env = worker_env(CONDA_PREFIX=str(prefix), AYON_BUNDLE_NAME=bundle["name"],
                     AYON_ADDONS_CACHE_DIR=str(workdir / "unconfigured-cache"))
    command = shlex.join([str(prefix / "bin" / "ayon"), *publish_args(render)])
    script = f'set -euo pipefail\nsource "{prefix}/etc/conda/activate.d/ayon-publish-core.sh"\n{command}'
    proc = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 78, proc.stdout + proc.stderr
    (line,) = [line for line in proc.stderr.splitlines() if line.strip()]
    assert "which is not in AYON_ADDONS_DIR" in line and "the addon sync is not configured" in line, line


def test_a_deadline_cloud_job_renders_and_publishes(
        server: RealServer, bundle: dict, channel: Path, local_channel: str, project: dict, workdir: Path) -> None:
    """The job as the AYON Deadline Cloud addon builds it (a render step, then "publish to AYON"
    running ``ayon addon deadline_cloud publish``), its publish step given the bundle's exact
    package by ``ayon_publish_submit.add_publish_step_environment``, run by openjd-cli."""
    import sys

    import yaml
    from ayon_publish_submit import add_publish_step_environment
    from support import openjd
    from support.addon_job import add_publishing_step, submitter_job

    output = workdir / "job-render"
    render = f"from ayon_conda.dev.frames import write_frames; write_frames(__import__('pathlib').Path({str(output)!r}))"
    publish = f"set -euo pipefail\n{shlex.join(['ayon', *publish_args(output)])}\n"
    job = add_publishing_step(submitter_job([sys.executable, "-c", render]), bundle["name"], publish)
    add_publish_step_environment(job, bundle, [channel.as_uri(), local_channel], cache=workdir / "submit-cache",
                                 cache_dir=str(workdir / "node-cache"))
    template = workdir / "job" / "template.yaml"
    template.parent.mkdir(exist_ok=True)
    template.write_text(yaml.safe_dump(job, sort_keys=False))
    before = len(render_versions(server))
    env = worker_env(PATH=os.pathsep.join([str(openjd.BIN), os.environ.get("PATH", "")]))
    with step("Deadline Cloud job: render, then publish to AYON (openjd run)"):
        result = openjd.run(template, {}, env, environments=[])
    assert result.returncode == 0, result.stdout
    assert_new_version(server, project, output, before=before, output=result.stdout)


# -- what must never happen ------------------------------------------------------------------------

def one_line_failure(proc: subprocess.CompletedProcess, *needles: str) -> str:
    """A failed run that names its cause on one line, with no traceback."""
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output
    assert "Traceback" not in output, output
    lines = [line for line in output.splitlines() if all(n in line for n in needles)]
    assert len(lines) == 1, f"expected one line with {needles}:\n{output}"
    return lines[0]


FAILURES = {
    "server unreachable": ({"AYON_SERVER_URL": "http://127.0.0.1:9"}, [], ("127.0.0.1:9",)),
    "key refused": ({"AYON_API_KEY": "not-a-valid-key"}, [], ("AYON_API_KEY",)),
    "bundle unknown": ({"AYON_BUNDLE_NAME": "no-such-bundle", "AYON_STUDIO_BUNDLE_NAME": "no-such-bundle"}, [],
                       ("no-such-bundle",)),
    "folder missing": ({}, ["-f", "/no-such-folder"], ("/no-such-folder",)),
    "task missing": ({}, ["-t", "no-such-task"], ("no-such-task",)),
    "user unknown": ({}, ["-u", "no-such-user"], ("no-such-user",)),
    "nothing to publish": ({}, ["EMPTY"], ("has no files.",)),
}


@pytest.mark.parametrize("case", list(FAILURES))
def test_a_publish_that_cannot_be_done_fails_with_one_line(
        case: str, server: RealServer, installed: Path, project: dict, render: Path, workdir: Path) -> None:
    env_changes, arg_changes, needles = FAILURES[case]
    kwargs = dict(zip(("folder", "task", "user"), (FOLDER, TASK, USER)))
    render_dir = render
    for flag, value in zip(arg_changes[::2], arg_changes[1::2]):
        kwargs[{"-f": "folder", "-t": "task", "-u": "user"}[flag]] = value
    if arg_changes == ["EMPTY"]:
        render_dir = workdir / "empty-output"
        render_dir.mkdir(exist_ok=True)
    before = len(render_versions(server))
    with step("failure cases"):
        proc = ayon(installed, *publish_args(render_dir, **kwargs), env=worker_env(**env_changes))
    one_line_failure(proc, *needles)
    assert len(render_versions(server)) == before


# -- the offline tests' AYON stand-in answers as this server does -----------------------------------

def test_the_stand_in_answers_as_this_server_does(server: RealServer, project: dict, bundle: dict,
                                                  tmp_path: Path) -> None:
    """Every answer the project's code and the sample addons rely on has, on the stand-in, only
    keys this server sends too (the stand-in may leave some out, never invent one)."""
    import ayon_api
    from ayon_conda.dev.ayon_standin import AyonStandIn

    def subset(stand_in: dict, real: dict, what: str) -> None:
        extra = set(stand_in) - set(real)
        assert not extra, f"{what}: the stand-in sends {sorted(extra)}, the server does not"

    def error(base: str, key: str, method: str, path: str) -> tuple[int, set[str]]:
        import requests

        response = requests.request(method, base + path, headers={"x-api-key": key}, timeout=30)
        return response.status_code, set(response.json())

    addons = {name: {version: {"settings": {}}} for name, version in bundle["addons"].items()}
    with AyonStandIn(bundles=[dict(bundle)], addons=addons, projects={"Show": {"roots": {"work": str(tmp_path)}}},
                     server_version=server.version()) as standin:
        standin.store.add_folder("Show", FOLDER, "Shot")
        standin.store.add_task("Show", FOLDER, TASK, "Lighting")
        local = ayon_api.ServerAPI(standin.url, token=standin.api_key, max_retries=1)
        real = server.con
        subset(local.get_info(), real.get_info(), "GET /api/info")
        assert set(local.get_bundles()) == set(real.get_bundles())
        subset(local.get_bundles()["bundles"][0], real.get_bundles()["bundles"][0], "a bundle")
        summaries = [c.get("settings", bundle_name=bundle["name"], summary="true").data for c in (local, real)]
        assert set(summaries[0]) == set(summaries[1])
        subset(summaries[0]["addons"][0], summaries[1]["addons"][0], "an addon's settings summary")
        ours, theirs = local.get_project("Show"), real.get_project(PROJECT)
        subset(ours, theirs, "a project")
        subset(ours["config"], theirs["config"], "a project's config")
        for key in ("common",):
            assert ours["config"]["templates"][key] == theirs["config"]["templates"][key]
        assert ours["config"]["templates"]["publish"]["default"] == theirs["config"]["templates"]["publish"]["default"]
        folders = [c.get_folder_by_path(p, FOLDER) for c, p in ((local, "Show"), (real, PROJECT))]
        assert set(folders[0]) == set(folders[1])
        tasks = [c.get_task_by_name(p, f["id"], TASK) for c, p, f in ((local, "Show", folders[0]), (real, PROJECT, folders[1]))]
        assert set(tasks[0]) == set(tasks[1])
        results = []
        for con, name in ((local, "Show"), (real, PROJECT)):
            op = {"id": "op1", "type": "create", "entityType": "folder", "entityId": ayon_api.utils.create_entity_id(),
                  "data": {"name": "compared", "folderType": "Shot"}}
            answer = con.post(f"projects/{name}/operations", operations=[op], canFail=False).data
            results.append(answer)
            con.post(f"projects/{name}/operations", operations=[{**op, "type": "delete", "data": None}], canFail=False)
        assert set(results[0]) == set(results[1])
        assert set(results[0]["operations"][0]) == set(results[1]["operations"][0])
        for method, path in (("GET", "/api/projects/nosuchproject"), ("GET", "/api/settings?bundle_name=no-such"),
                             ("DELETE", "/api/info"), ("GET", f"/addons/core/{bundle['addons']['core']}/private/no.zip"),
                             ("GET", "/api/no-such-endpoint")):
            assert error(standin.url, standin.api_key, method, path) == error(SERVER_URL, API_KEY, method, path), path
        local.close_session()
