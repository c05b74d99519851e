"""The worker fails closed: any activation error, expected or not, sets AYON_ADDONS_SYNC_ERROR to
one line and the activation still exits 0 (it must never end a strict-mode session), and ``ayon``
refuses to run; archives and downloads are blamed on what is wrong with them."""

from __future__ import annotations

import io
import json
import os
import subprocess
import zipfile
from pathlib import Path

import pytest
from ayon_publish import addon_sync, bootstrap, safe_archive, shell_env
from conftest import REPO

ACTIVATE_SH = REPO / "recipe" / "activation" / "activate.sh"
INFO = {"package": {"name": "ayon-publish-core"}, "addons": {"core": {"version": "1.9.0"}}}


def _bash_env(output: str) -> dict[str, str]:
    """What the activation's bash output sets (run through bash as the activate.d script does)."""
    proc = subprocess.run(["bash", "-c", f'eval "$1"\nenv -0', "_", output], capture_output=True, text=True, env={},
                          check=True)
    return dict(item.split("=", 1) for item in proc.stdout.split("\0") if "=" in item)


@pytest.fixture
def worker(tmp_path: Path, monkeypatch) -> Path:
    for key in [k for k in os.environ if k.startswith(("AYON_", "DEADLINE_"))]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("AYON_ADDONS_S3_URI", "s3://bucket/ayon")
    monkeypatch.setenv("AYON_ADDONS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setattr(addon_sync, "read_build_info", lambda: INFO)
    return tmp_path / "cache"


@pytest.mark.parametrize("how", ["bundle name with a newline", "a bug in the sync", "no build info", "bad ACTIVE"])
def test_any_activation_error_sets_one_error_line(how: str, worker: Path, monkeypatch, capsys):
    monkeypatch.setenv("AYON_BUNDLE_NAME", "sample-bundle-1")
    if how == "bundle name with a newline":
        monkeypatch.setenv("AYON_BUNDLE_NAME", "sample-bundle-1\n")
    elif how == "a bug in the sync":
        monkeypatch.setattr(addon_sync, "sync", lambda *a: (_ for _ in ()).throw(RuntimeError("boom\nsecond line")))
    elif how == "no build info":
        monkeypatch.setattr(addon_sync, "read_build_info", lambda: json.loads("{"))
    else:  # a broken environment the renderer refuses
        monkeypatch.setenv(shell_env.ACTIVE, "not a name,AYON_ADDONS_DIR")
    code = addon_sync.main(["activate", "--shell", "bash"])
    out, err = capsys.readouterr()
    assert code == 0
    error = _bash_env(out)[addon_sync.ERROR_VAR]
    assert error and "\n" not in error
    assert len([line for line in err.splitlines() if line.strip()]) == 1 and error in err
    if how == "bundle name with a newline":
        assert r"'sample-bundle-1\n' is not valid" in error
    assert bootstrap.sync_refusal(_bash_env(out) | {addon_sync.URI_VAR: "s3://bucket/ayon"})


def test_a_silent_crash_of_python_still_sets_the_error(tmp_path: Path):
    """python killed (or missing) before it printed anything: the script sets the error itself."""
    prefix = tmp_path / "env"
    (prefix / "bin").mkdir(parents=True)
    (prefix / "bin" / "python").write_text("#!/bin/sh\nkill -9 $$\n")
    (prefix / "bin" / "python").chmod(0o755)
    env = {"PATH": os.environ["PATH"], "CONDA_PREFIX": str(prefix), "AYON_ADDONS_S3_URI": "s3://b/p"}
    proc = subprocess.run(["bash", "-euo", "pipefail", "-c", f'source "{ACTIVATE_SH}"; echo "status=$?"; env -0'],
                          capture_output=True, text=True, env=env)
    after = dict(item.split("=", 1) for item in proc.stdout.split("\0") if "=" in item)
    assert proc.returncode == 0 and "status=0" in proc.stdout, proc.stderr  # the strict shell went on
    assert "no message" in after[addon_sync.ERROR_VAR] and "\n" not in after[addon_sync.ERROR_VAR]


def test_ayon_refuses_when_the_sync_is_configured_but_never_ran(monkeypatch):
    assert bootstrap.sync_refusal({}) is None
    assert bootstrap.sync_refusal({"DEADLINE_JA_S3_BUCKET": "ja"}) is None  # the agent's variables alone configure nothing
    configured = {"AYON_ADDONS_S3_URI": "job-attachments", "DEADLINE_JA_S3_BUCKET": "ja"}
    assert "did not run" in bootstrap.sync_refusal(configured)
    ran = shell_env.activation_changes({}, {"AYON_ADDONS_DIR": "/cache/addons", addon_sync.ERROR_VAR: None})
    assert bootstrap.sync_refusal({**configured, **{k: v for k, v in ran.items() if v}}) is None
    assert "failed" in bootstrap.sync_refusal({addon_sync.ERROR_VAR: "x: y; z"})


def _zip(*entries: tuple[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in entries:
            zf.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.filterwarnings("ignore:Duplicate name")
@pytest.mark.parametrize("entries, problem", [
    ((("ayon_x/a", b"file"), ("ayon_x/a/b.py", b"")), "entry 'ayon_x/a' is a file, and a directory in other entries"),
    ((("ayon_x/a.py", b"1"), ("ayon_x/a.py", b"2")), "entry 'ayon_x/a.py' appears twice"),
])
def test_an_archive_that_cannot_be_extracted_as_given_is_blamed_on_the_archive(entries, problem: str, tmp_path: Path):
    archive = tmp_path / "a.zip"
    archive.write_bytes(_zip(*entries))
    with pytest.raises(safe_archive.UnsafeArchive) as refused:
        safe_archive.extract(archive, tmp_path / "out")
    assert refused.value.problem == problem
    assert not (tmp_path / "out").exists() and [p.name for p in tmp_path.iterdir()] == ["a.zip"]
