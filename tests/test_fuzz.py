"""No tracebacks, nothing written outside the output: generated bundles, configs, locks and
package archives through pin, build, render, publish and addons upload.

Each command runs in-process (click's runner) in a sandbox nested a few directories deep, so that
a path escaping its output (``0.2.0/../../../x``) would land inside the sandbox where it is seen.
Every run must end with exit 0, or with one ``error:`` line and a documented exit code (1, or 3;
2 is click's usage error); the only new files are under the output path it was given (and the
download cache). Bounded by example counts, not by time: ``-p no:randomly`` keeps the suite fast,
and ``--hypothesis-seed`` reproduces a failure.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from ayon_conda.channel.directory import LocalChannel
from ayon_conda.errors import EXIT_CHECK_FAILED, EXIT_ERROR, EXIT_OK, EXIT_UNREACHABLE, EXIT_USAGE
from click.testing import Result
from conftest import error_line, invoke
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from support.channel_check import assert_valid, dir_files
from support.hostile_packages import HOSTILE, PAYLOAD, craft, info_members, valid

DOCUMENTED = {EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_CHECK_FAILED, EXIT_UNREACHABLE}
FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# -- what the inputs are made of ----------------------------------------------------------------------
HOSTILE_TEXT = st.sampled_from([
    "", "\n", "core\n", "../x", "0.2.0/../../../x", "/etc/passwd", "C:\\x", "a" * 300, "1" * 30, "{{7*7}}",
    "${{ env.get('AWS_SECRET_ACCESS_KEY') }}", "$(id)", "1.0.0; rm -rf ~", "1.0.0--x", "\x00", "é", "１.0.0", "..", ".",
    "a/b", "-rf", "{0}", "{version!r:>{x}}", "1.0.0\r\n",
])
GOOD_NAMES = st.sampled_from(["core", "deadline_cloud", "maya", "studio_tool"])
GOOD_VERSIONS = st.sampled_from(["1.0.0", "0.2.0-rc.1", "1.6.9+dev", "2.0.0"])
LEAF = st.none() | st.booleans() | st.integers(-2, 10**20) | st.floats(allow_nan=False) | st.text(max_size=8)
JSONISH = st.recursive(LEAF, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                       max_leaves=6)
NAME = GOOD_NAMES | HOSTILE_TEXT | st.text(max_size=10)
VERSION = GOOD_VERSIONS | HOSTILE_TEXT | st.text(max_size=10)

BUNDLE = st.one_of(
    st.fixed_dictionaries(
        {"name": st.sampled_from(["fuzz-bundle"]) | NAME | JSONISH,
         "addons": st.dictionaries(NAME, VERSION | st.none() | JSONISH, max_size=4).map(lambda a: {"core": "1.0.0", **a})
         | st.dictionaries(NAME, VERSION, max_size=3) | JSONISH},
        optional={"createdAt": st.sampled_from(["2026-01-01T00:00:00Z", "9999-12-31T23:59:59", "0001-01-01", "soon"])
                  | JSONISH}),
    JSONISH,
)


def _config(core_tree: str) -> st.SearchStrategy[dict]:
    source = st.one_of(
        st.fixed_dictionaries({"path": st.sampled_from([core_tree, "../../../etc", "/no/such", "{0}"]) | HOSTILE_TEXT}),
        st.fixed_dictionaries({"url": st.sampled_from(["http://127.0.0.1:9/{version}.tar.gz", "{version}", "{nope}"])},
                              optional={"strip": HOSTILE_TEXT | st.just("x-{version}"), "sha256": JSONISH}),
        st.fixed_dictionaries({"server": st.just("client.zip")}),
        JSONISH,
    )
    addon = st.fixed_dictionaries({"client_dir": st.sampled_from(["ayon_core"]) | HOSTILE_TEXT | JSONISH,
                                   "source": source})
    return st.fixed_dictionaries({
        "package": st.fixed_dictionaries({"name": st.sampled_from(["ayon-publish"]) | HOSTILE_TEXT,
                                          "python": st.sampled_from([">=3.9", "{{x}}", "nonsense", ""]),
                                          "license": st.just("MIT"), "summary": st.text(max_size=10)}) | JSONISH,
        "bake": st.lists(GOOD_NAMES | HOSTILE_TEXT, max_size=3).map(lambda b: ["core", *b]) | JSONISH,
        "addons": st.dictionaries(GOOD_NAMES | HOSTILE_TEXT, addon, max_size=3).map(
            lambda a: {"core": {"client_dir": "ayon_core", "source": {"path": core_tree}}, **a}) | JSONISH,
        "requirements": st.just([]) | st.lists(HOSTILE_TEXT, max_size=2) | JSONISH,
    })


# -- running a command and judging it ----------------------------------------------------------------
@contextmanager
def sandbox() -> Iterator[Path]:
    """``<tmp>/a/b/c/sandbox``: an escape of up to three levels still lands inside ``<tmp>``."""
    with tempfile.TemporaryDirectory(prefix="ayon-fuzz-") as tmp:
        box = Path(tmp) / "a" / "b" / "c" / "sandbox"
        (box / "in").mkdir(parents=True)
        yield box


def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*") if not p.is_symlink()}


def judge(args: list[Any], box: Path, outputs: list[Path], monkeypatch) -> Result:
    """Run ``ayon-conda ARGS`` in ``box``; assert the contract; return the result."""
    top = box.parents[2]
    before = _snapshot(top)
    monkeypatch.chdir(box)
    result = invoke(*args, catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{args[0]} raised {type(result.exception).__name__}: {result.exception}") from result.exception
    assert result.exit_code in DOCUMENTED, (args, result.exit_code, result.output)
    event(f"{args[0]} exit {result.exit_code}")  # --hypothesis-show-statistics: how far inputs got
    if result.exit_code in (EXIT_ERROR, EXIT_CHECK_FAILED, EXIT_UNREACHABLE):
        error_line(result)
    elif result.exit_code == EXIT_USAGE:
        assert "Error:" in result.stderr
    changed = {p for p, stat in _snapshot(top).items() if before.get(p) != stat}
    outside = sorted(p for p in changed if not any(Path(p) == o or Path(p).is_relative_to(o) for o in outputs)
                     and not any(o.is_relative_to(p) for o in outputs))  # an output's parents may be created
    assert not outside, (args, outside)
    return result


def _write_json_or_bytes(path: Path, data: Any) -> Path:
    path.write_bytes(data if isinstance(data, bytes) else json.dumps(data).encode("utf-8", "surrogatepass"))
    return path


@pytest.fixture(scope="module")
def tiny_lock(tmp_path_factory) -> tuple[Path, dict]:
    """A lock of one small path addon and no wheels: building it needs no network."""
    root = tmp_path_factory.mktemp("fuzz-base")
    core = root / "core" / "client" / "ayon_core"
    core.mkdir(parents=True)
    (core / "__init__.py").write_text("")
    (root / "c.yaml").write_text(json.dumps({"package": {"name": "ayon-publish", "python": ">=3.9", "license": "MIT",
                                                         "summary": "fuzz"}, "bake": ["core"], "requirements": [],
                                             "addons": {"core": {"client_dir": "ayon_core", "source": {"path": "core"}}}}))
    (root / "b.json").write_text(json.dumps({"name": "fuzz-bundle", "addons": {"core": "1.0.0"}}))
    result = invoke("pin", root / "b.json", "--config", root / "c.yaml", "-o", root / "l.json", "-q")
    assert result.exit_code == 0, result.output
    return root, json.loads((root / "l.json").read_text())


def _leaves(data: Any, path: tuple = ()) -> list[tuple]:
    if isinstance(data, dict):
        return [path] + [p for k, v in data.items() for p in _leaves(v, (*path, k))]
    if isinstance(data, list):
        return [path] + [p for i, v in enumerate(data) for p in _leaves(v, (*path, i))]
    return [path]


def _mutated(lock: dict, path: tuple, value: Any) -> Any:
    if not path:
        return value
    copy = json.loads(json.dumps(lock))
    target = copy
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return copy


# -- the commands ------------------------------------------------------------------------------------
def _one_change(data, base: Any) -> Any:
    """``base`` with one value (anywhere in it) replaced by a hostile or arbitrary one."""
    where = data.draw(st.sampled_from(_leaves(base)), label="where")
    return _mutated(base, where, data.draw(HOSTILE_TEXT | JSONISH | GOOD_VERSIONS | GOOD_NAMES, label="value"))


VALID_BUNDLE = {"name": "fuzz-bundle", "createdAt": "2026-01-01T00:00:00Z", "addons": {"core": "1.0.0", "maya": None}}


@settings(FUZZ, max_examples=60)
@given(data=st.data())
def test_pin(data, tiny_lock, monkeypatch):
    with sandbox() as box:
        core = box / "in" / "core"
        (core / "client" / "ayon_core").mkdir(parents=True)
        (core / "client" / "ayon_core" / "__init__.py").write_text("")
        config = {"package": {"name": "ayon-publish", "python": ">=3.9", "license": "MIT", "summary": "fuzz"},
                  "bake": ["core"], "requirements": [], "addons": {"core": {"client_dir": "ayon_core",
                                                                            "source": {"path": str(core)}}}}
        how = data.draw(st.sampled_from(["bundle changed", "config changed", "both generated", "raw bytes"]), label="how")
        bundle = _one_change(data, VALID_BUNDLE) if how == "bundle changed" else VALID_BUNDLE
        if how == "config changed":
            config = _one_change(data, config)
        elif how == "both generated":
            bundle, config = data.draw(BUNDLE, label="bundle"), data.draw(_config(str(core)), label="config")
        elif how == "raw bytes":
            bundle, config = data.draw(st.binary(max_size=40), label="bundle"), data.draw(
                st.just(config) | st.binary(max_size=40), label="config")
        bundle_path = _write_json_or_bytes(box / "in" / "bundle.json", bundle)
        config_path = _write_json_or_bytes(box / "in" / "components.yaml", config)
        out = box / "out" / "deep" / "l.json"
        judge(["pin", bundle_path, "--config", config_path, "-o", out, "-q"], box, [out], monkeypatch)


@settings(FUZZ, max_examples=50)
@given(data=st.data())
def test_build_and_render(data, tiny_lock, monkeypatch):
    base, lock = tiny_lock
    leaves = _leaves(lock)
    path = data.draw(st.sampled_from(leaves), label="where")
    value = data.draw(HOSTILE_TEXT | JSONISH | GOOD_VERSIONS, label="value")
    mutated = data.draw(st.just(_mutated(lock, path, value)) | st.just(lock) | st.binary(max_size=30), label="lock")
    with sandbox() as box:
        for rel in ("core",):  # the lock's path source, relative to the lock file
            target = box / "in" / rel / "client" / "ayon_core"
            target.mkdir(parents=True)
            (target / "__init__.py").write_text("")
        lock_path = _write_json_or_bytes(box / "in" / "l.json", mutated)
        for command, out in (("build", box / "out" / "dist"), ("render", box / "out" / "recipes")):
            judge([command, lock_path, "-o", out, "-q", "--offline"], box, [out], monkeypatch)


def _package(data) -> Any:
    kind = data.draw(st.sampled_from(["hostile", "mangled", "crafted"]), label="kind")
    if kind == "hostile":
        return HOSTILE[data.draw(st.sampled_from(sorted(HOSTILE)), label="case")].write
    if kind == "mangled":
        at = data.draw(st.integers(0, 2000), label="at")
        patch = data.draw(st.binary(min_size=0, max_size=6), label="patch")

        def write(directory: Path) -> Path:
            path = valid(directory)
            raw = bytearray(path.read_bytes())
            raw[at % len(raw): at % len(raw) + len(patch)] = patch
            path.write_bytes(bytes(raw))
            return path
        return write
    member = st.sampled_from(["info/index.json", "info/run_exports.json", "info/paths.json", "info/about.json",
                              "info/link.json", "info/files", "info/../x", "/abs", "info/recipe/meta.yaml"])
    content = st.binary(max_size=20) | JSONISH.map(lambda v: json.dumps(v).encode())
    extra = data.draw(st.lists(st.tuples(member, content), max_size=3), label="members")
    payload = data.draw(st.just(PAYLOAD) | st.lists(st.tuples(st.sampled_from(["a", "b/c", "../d", "info/x"]),
                                                               st.binary(max_size=5)), max_size=2), label="payload")
    return lambda d: craft(d, "hostile-1.0-h0_0", info_members("hostile", "1.0", "h0_0") + extra, payload)


@pytest.fixture(scope="module")
def published_channel(tmp_path_factory) -> Path:
    """A channel holding one package, copied by each example."""
    channel = tmp_path_factory.mktemp("fuzz-channel") / "channel"
    package = valid(channel.parent / "in", "alpha")
    assert invoke("publish", package, "--channel", channel, "-q").exit_code == 0
    return channel


@settings(FUZZ, max_examples=40)
@given(data=st.data())
def test_publish(data, published_channel, monkeypatch):
    with sandbox() as box:
        write = _package(data)
        channel = box / "out" / "channel"
        shutil.copytree(published_channel, channel)
        package = write(box / "in" / "bad")
        outputs = [channel, LocalChannel(channel).lock_path()]  # the indexers' lock sits beside the channel
        result = judge(["publish", package, "--channel", channel, "-q"], box, outputs, monkeypatch)
        if result.exit_code != 0:
            assert str(package) in error_line(result)
        if data.draw(st.booleans(), label="also in the channel"):  # placed by another tool: indexing goes on
            (channel / "noarch" / "zz-1.0-h0_0.conda").write_bytes(package.read_bytes())
            after = judge(["publish", valid(box / "in" / "ok2", "beta"), "--channel", channel, "-q"], box, outputs,
                          monkeypatch)
            assert after.exit_code == 0, after.stderr
        assert_valid(dir_files(channel))


@settings(FUZZ, max_examples=40)
@given(data=st.data())
def test_addons_upload(data, moto_s3, tiny_lock, monkeypatch):
    base, _ = tiny_lock
    bucket = moto_s3.new_bucket("fuzz")
    bundle = data.draw(st.builds(lambda: VALID_BUNDLE) | st.just(None) | BUNDLE | st.binary(max_size=30), label="bundle")
    bundle = _one_change(data, VALID_BUNDLE) if bundle is None else bundle
    with sandbox() as box:
        bundle_path = _write_json_or_bytes(box / "in" / "bundle.json", bundle)
        result = judge(["addons", "upload", bundle_path, "--config", base / "c.yaml", "--to", f"s3://{bucket}/p",
                        "--endpoint-url", moto_s3.endpoint_url, "-q"], box, [], monkeypatch)
    keys = moto_s3.keys(bucket)
    assert all(k.startswith("p/") for k in keys), keys
    assert bool(keys) == (result.exit_code == 0), (keys, result.output)
