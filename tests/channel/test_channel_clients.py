"""Real clients read what publish writes: py-rattler installs ayon-publish from the channel and runs ``ayon``.

From ``s3://`` (py-rattler's own S3 client against moto over HTTP on 127.0.0.1), from the same
channel served over plain HTTP by ``http.server``, and anonymously from a ``--public`` bucket.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import error_line, json_out, run_cli
from support.channel_check import s3_files

pytestmark = pytest.mark.network  # the sample package is built from PyPI wheels


def _spec(package: Path) -> str:
    name, version, build = package.name[: -len(".conda")].rsplit("-", 2)
    return f"{name} =={version} {build}"


def _installs_and_runs(out: dict, package: Path) -> None:
    name, version, build = package.name[: -len(".conda")].rsplit("-", 2)
    assert f"{name} {version} {build}" in out["installed"]
    assert out["version_output"].splitlines()[0] == f"{name} {version} {build}"
    assert "ok import ayon_core" in out["self_check_output"].splitlines()


def test_install_from_s3_and_from_the_same_channel_over_http(moto_s3, sample_package, python_channel, tmp_path,
                                                            http_server):
    bucket = moto_s3.new_bucket()
    channel = f"s3://{bucket}/conda"
    run_cli("publish", sample_package, "--channel", channel, "--endpoint-url", moto_s3.endpoint_url)

    out = json_out(run_cli("verify", "--spec", _spec(sample_package), "-c", channel, "-c", python_channel,
                           "--endpoint-url", moto_s3.endpoint_url, "--json"))
    _installs_and_runs(out, sample_package)

    mirror = tmp_path / "mirror"
    for path, data in s3_files(moto_s3.client(), bucket, "conda").items():
        (mirror / path).parent.mkdir(parents=True, exist_ok=True)
        (mirror / path).write_bytes(data)
    base = http_server(mirror)
    out = json_out(run_cli("verify", "--spec", _spec(sample_package), "-c", base, "-c", python_channel, "--json"))
    _installs_and_runs(out, sample_package)


def test_directory_channel_served_over_http(sample_package, python_channel, tmp_path, http_server):
    channel = tmp_path / "channel"
    run_cli("publish", sample_package, "--channel", channel)
    base = http_server(channel)
    out = json_out(run_cli("verify", "--spec", "ayon-publish", "-c", base, "-c", python_channel, "--json"))
    _installs_and_runs(out, sample_package)


def test_public_bucket_is_installable_anonymously_private_is_not(moto_s3, sample_package, python_channel):
    public, private = moto_s3.new_bucket("public"), moto_s3.new_bucket("private")
    run_cli("publish", sample_package, "--channel", f"s3://{public}/conda", "--endpoint-url", moto_s3.endpoint_url,
            "--public")
    run_cli("publish", sample_package, "--channel", f"s3://{private}/conda", "--endpoint-url", moto_s3.endpoint_url)

    # plain HTTP without credentials: what an https://<bucket>.s3.amazonaws.com/<prefix> channel is
    out = json_out(run_cli("verify", "--spec", _spec(sample_package), "-c", f"{moto_s3.endpoint_url}/{public}/conda",
                           "-c", python_channel, "--json"))
    _installs_and_runs(out, sample_package)
    line = error_line(run_cli("verify", "--spec", _spec(sample_package), "-c", f"{moto_s3.endpoint_url}/{private}/conda",
                              "-c", python_channel, code=4))  # cannot be read: not "does not install"
    assert f"{private}/conda: cannot be read" in line and "403" in line, line
