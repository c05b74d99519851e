"""Hostile package files: publish refuses them naming the member, a channel that already holds
them keeps working (they are quarantined in the index's eyes), and ``ayon-conda check`` finds
them and any index entry that disagrees with its file."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest
from ayon_conda.channel.indexer import QUARANTINED, UNINSTALLABLE
from ayon_publish_submit.bundle import Bundle
from ayon_publish_submit.pin_scheme import DEFAULT_BAKE, Pin, baked_versions
from conftest import SAMPLE_BUNDLE, error_line, json_out, refused, run_cli
from support.channel_check import assert_valid, packages_in, s3_files
from support.hostile_packages import HOSTILE, SPOOFED_BUILD, craft, info_members

#: Cases a channel may already hold (placed there by another tool), one of each kind of failure.
IN_CHANNEL = ("run_exports.json malformed", "run_exports.json a symlink", "index.json twice", "not a zip")


def _place(channel, path: Path, name: str | None = None) -> str:
    """Put a file into the channel's noarch/ directly, as another tool (or an attacker) could."""
    name = name or path.name
    if channel.kind == "dir":
        target = Path(channel.url) / "noarch" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    else:
        bucket = channel.url.removeprefix("s3://").split("/")[0]
        channel.client.put_object(Bucket=bucket, Key=f"conda/noarch/{name}", Body=path.read_bytes())
    return name


@pytest.fixture
def s3_aware_channel(channel, moto_s3):
    channel.client = moto_s3.client()
    return channel


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_publish_refuses_a_hostile_package_naming_the_member(case: str, tmp_path: Path):
    channel = tmp_path / "channel"
    run_cli("publish", craft(tmp_path / "ok", "alpha-1.0-h0_0", info_members("alpha", "1.0", "h0_0")),
            "--channel", channel, "-q")
    before = {p: p.read_bytes() for p in channel.rglob("*") if p.is_file()}
    bad = HOSTILE[case].write(tmp_path / "bad")
    line = refused(run_cli("publish", bad, "--channel", channel, code=1), str(bad), HOSTILE[case].names)
    assert "not a valid conda package" in line
    assert {p: p.read_bytes() for p in channel.rglob("*") if p.is_file()} == before


def test_py_rattler_indexer_fails_on_a_bad_file_and_indexes_the_last_index_json(tmp_path: Path):
    """Why the channel screens files before indexing: what py-rattler's indexer does on its own."""
    from rattler.index import index_fs

    bad = tmp_path / "bad"
    HOSTILE["run_exports.json malformed"].write(bad / "noarch")
    with pytest.raises(Exception) as failed:
        asyncio.run(index_fs(bad))
    assert "hostile-1.0-h0_0.conda" not in str(failed.value)  # the message does not name the file
    spoof = tmp_path / "spoof"
    HOSTILE["index.json twice"].write(spoof / "noarch")
    asyncio.run(index_fs(spoof))
    indexed = json.loads((spoof / "noarch" / "repodata.json").read_text())["packages.conda"]
    assert indexed["hostile-1.0-h0_0.conda"]["build"] == SPOOFED_BUILD  # the unchecked second one


def test_a_channel_holding_bad_files_keeps_working(s3_aware_channel, tiny, tmp_path: Path):
    channel = s3_aware_channel
    placed = [_place(channel, HOSTILE[case].write(tmp_path / str(i)), f"bad{i}-1.0-h0_0.conda")
              for i, case in enumerate(IN_CHANNEL)]
    first, second = tiny("alpha"), tiny("beta")
    result = run_cli("publish", first, *channel.cli_args(), "--json")
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == len(placed) and all(any(name in w for w in warnings) for name in placed), result.stderr
    assert {q["filename"] for q in json_out(result)["quarantined"]} == set(placed)
    files = channel.read()
    assert assert_valid(files)["noarch"] == {first.name, *placed}  # every view names only intact files
    repodata = json.loads(files["noarch/repodata.json"])["packages.conda"]
    for name in placed:
        assert repodata[name]["name"] == QUARANTINED and repodata[name]["depends"] == [UNINSTALLABLE]
    assert repodata[first.name]["name"] == "alpha"
    again = run_cli("publish", second, *channel.cli_args())  # and every later publish too
    assert sum(line.startswith("warning: ") for line in again.stderr.splitlines()) == len(placed)
    assert assert_valid(channel.read())["noarch"] == {first.name, second.name, *placed}


def test_a_bad_file_arriving_while_an_s3_channel_is_indexed(moto_s3, tiny, tmp_path: Path, monkeypatch):
    """Another tool's upload lands after the files were screened: the indexer fails on it, the
    channel screens again, quarantines it and indexes."""
    from ayon_conda.channel.s3_bucket import S3Channel

    bucket = moto_s3.new_bucket()
    bad = HOSTILE["run_exports.json malformed"].write(tmp_path / "bad")
    screened = S3Channel._quarantine
    calls = []

    def late_arrival(self, subdir, trusted):
        calls.append(subdir)
        found = screened(self, subdir, trusted)
        if len(calls) == 1:
            moto_s3.client().put_object(Bucket=bucket, Key=f"conda/{subdir}/{bad.name}", Body=bad.read_bytes())
        return found

    monkeypatch.setattr(S3Channel, "_quarantine", late_arrival)
    result = run_cli("publish", tiny("alpha"), "--channel", f"s3://{bucket}/conda", "--endpoint-url", moto_s3.endpoint_url,
                     "--json")
    assert [q["filename"] for q in json_out(result)["quarantined"]] == [bad.name] and len(calls) == 2
    files = s3_files(moto_s3.client(), bucket, "conda")
    assert assert_valid(files)["noarch"] == {"alpha-1.0-h0_0.conda", bad.name}


def test_a_quarantined_file_is_never_installed(tiny, tmp_path: Path, python_channel: str):
    from rattler import Channel, solve

    channel = tmp_path / "channel"
    run_cli("publish", tiny("alpha"), "--channel", channel, "-q")
    HOSTILE["index.json twice"].write(channel / "noarch")
    run_cli("publish", tiny("beta"), "--channel", channel, "-q")
    channels = [Channel(channel.as_uri()), Channel(python_channel)]
    solved = asyncio.run(solve(channels, ["alpha", "beta"], platforms=["noarch"]))
    assert sorted(r.name.normalized for r in solved) == ["alpha", "beta"]
    for spec in ("hostile", QUARANTINED):
        with pytest.raises(Exception, match="cannot be installed|No candidates|nothing provides|cannot be satisfied"):
            asyncio.run(solve(channels, [spec], platforms=["noarch"]))


def test_a_spoofed_index_json_is_never_resolved(tmp_path: Path):
    """A file with two info/index.json members, the second claiming build _99, next to an
    honest build of the same pin: resolve pins the honest one."""
    bundle = Bundle.from_dict(json.loads(SAMPLE_BUNDLE.read_text()), str(SAMPLE_BUNDLE))
    pin = Pin.for_addons("ayon-publish", baked_versions(bundle.addons, DEFAULT_BAKE))
    honest = f"{pin.build_prefix}_0"
    channel = tmp_path / "channel"
    good = craft(tmp_path / "good", f"ayon-publish-{pin.version}-{honest}", info_members("ayon-publish", pin.version, honest))
    spoof_info = info_members("ayon-publish", pin.version, f"{pin.build_prefix}_1", build_number=1)
    spoof_info.append(("info/index.json", json.dumps({"name": "ayon-publish", "version": pin.version,
                                                      "build": f"{pin.build_prefix}_99", "build_number": 99,
                                                      "depends": [], "subdir": "noarch"}).encode()))
    craft(channel / "noarch", f"ayon-publish-{pin.version}-{pin.build_prefix}_1", spoof_info)
    run_cli("publish", good, "--channel", channel, "-q")
    resolved = json_out(run_cli("resolve", SAMPLE_BUNDLE, "--channel", channel, "--json"))
    assert resolved["spec"] == f"ayon-publish =={pin.version} {honest}"


def test_check_lists_unreadable_files_and_disagreeing_entries(tiny, tmp_path: Path):
    from rattler.index import index_fs

    channel = tmp_path / "channel"
    run_cli("publish", tiny("alpha"), tiny("beta"), "--channel", channel, "-q")
    assert run_cli("check", channel).stdout.strip().endswith("ok")
    HOSTILE["index.json twice"].write(channel / "noarch")
    asyncio.run(index_fs(channel))  # as any other indexer would: it records the spoofed build
    repodata_path = channel / "noarch" / "repodata.json"
    repodata = json.loads(repodata_path.read_text())
    repodata["packages.conda"]["beta-1.0-h0_0.conda"]["depends"] = ["evil"]
    repodata["packages.conda"]["gone-1.0-h0_0.conda"] = repodata["packages.conda"]["alpha-1.0-h0_0.conda"]
    repodata_path.write_text(json.dumps(repodata))
    result = run_cli("check", channel, "--json", code=3)
    found = {(f["kind"], f["filename"], f["view"]) for f in json_out(result)["findings"]}
    assert found == {
        ("unreadable", "hostile-1.0-h0_0.conda", None),
        ("mismatch", "hostile-1.0-h0_0.conda", "repodata.json"),
        ("mismatch", "hostile-1.0-h0_0.conda", "repodata.json.zst"),
        ("mismatch", "hostile-1.0-h0_0.conda", "shards"),
        ("mismatch", "beta-1.0-h0_0.conda", "repodata.json"),
        ("missing", "gone-1.0-h0_0.conda", "repodata.json"),
    }
    text = run_cli("check", channel, code=3)
    assert "info/index.json: appears twice" in text.stdout and "depends ['evil']" in text.stdout
    assert "6 files or index entries clients cannot rely on" in error_line(text)


def test_check_of_an_s3_channel(moto_s3, tiny, tmp_path: Path):
    bucket = moto_s3.new_bucket()
    url = f"s3://{bucket}/conda"
    run_cli("publish", tiny("alpha"), "--channel", url, "--endpoint-url", moto_s3.endpoint_url, "-q")
    moto_s3.client().put_object(Bucket=bucket, Key="conda/noarch/stray-1.0-h0_0.conda",
                                Body=HOSTILE["not a zip"].write(tmp_path).read_bytes())
    report = json_out(run_cli("check", url, "--endpoint-url", moto_s3.endpoint_url, "--json", code=3))
    assert [(f["kind"], f["filename"], f["quarantined"]) for f in report["findings"]] == [
        ("unreadable", "stray-1.0-h0_0.conda", False)]
    assert report["files"] == 2 and packages_in(
        {k.removeprefix("conda/"): b"" for k in moto_s3.keys(bucket)}) == {"alpha-1.0-h0_0.conda", "stray-1.0-h0_0.conda"}


def test_mirror_leaves_a_quarantined_file_behind(tiny, tmp_path: Path):
    source, copy = tmp_path / "source", tmp_path / "copy"
    run_cli("publish", tiny("alpha"), "--channel", source, "-q")
    HOSTILE["index.json twice"].write(source / "noarch")
    run_cli("publish", tiny("beta"), "--channel", source, "-q")  # quarantines it
    result = run_cli("mirror", source, copy, "--json")
    assert "hostile-1.0-h0_0.conda is quarantined in the source index" in result.stderr
    assert sorted(json_out(result)["copied"]) == ["noarch/alpha-1.0-h0_0.conda", "noarch/beta-1.0-h0_0.conda"]
    assert run_cli("check", copy).stdout.strip().endswith("ok")


def test_a_compression_bomb_is_refused_not_unpacked(tmp_path: Path, monkeypatch):
    import ayon_conda.package_file as package_file

    monkeypatch.setattr(package_file, "PAYLOAD_LIMIT", 1 << 20)
    bomb = craft(tmp_path, "hostile-1.0-h0_0", info_members("hostile", "1.0", "h0_0", [("big", b"\0" * (4 << 20))]),
                 [("big", b"\0" * (4 << 20))])
    assert bomb.stat().st_size < 64 << 10
    line = refused(run_cli("publish", bomb, "--channel", tmp_path / "channel", code=1), "decompresses to more than 1 MiB")
    assert "pkg-hostile-1.0-h0_0.tar.zst" in line and not (tmp_path / "channel").exists()
