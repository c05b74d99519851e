"""The channel's about index (``noarch/ayon-about.json.gz``): publish keeps it in step with
repodata, a cold matrix reads every package's metadata from it in one request, and an index that
is stale or damaged costs requests, never a wrong row."""

from __future__ import annotations

import gzip
from pathlib import Path

from ayon_publish_submit import about_index
from conftest import json_out, run_cli
from support.channel_check import index_views
from support.channels import many_packages, write_packages

INDEX = f"noarch/{about_index.FILENAME}"


def packages(tmp_path: Path, count: int) -> list[Path]:
    return sorted(write_packages(many_packages(count), tmp_path / "built"))


def matrix(tmp_path: Path, monkeypatch, *args: str) -> dict:
    """A cold matrix: a cache of its own (publish's reads filled the shared one)."""
    monkeypatch.setenv("AYON_CONDA_CACHE_DIR", str(tmp_path / f"cache-{len(list(tmp_path.glob('cache-*')))}"))
    return json_out(run_cli("matrix", *args, "--json"))


def test_publish_keeps_the_about_index_in_step_with_repodata(channel, tmp_path: Path):
    paths = packages(tmp_path, 12)
    run_cli("publish", *paths[:8], *channel.cli_args(), "-q")
    run_cli("publish", *paths[8:], *channel.cli_args(), "-q")  # a second publish adds to it
    files = channel.read()
    entries = about_index.parse(files[INDEX])
    listed = index_views(files, "noarch")["repodata.json"]
    assert {f: sha for f, (sha, _) in entries.items()} == {f: r["sha256"] for f, r in listed.items()}
    assert len(entries) == 12
    for path in paths:  # each entry is the package's own metadata
        about = entries[path.name][1]
        assert about.index["name"] == "ayon-publish" and about.bundle_name.startswith("bundle-")
        assert about.server_range in (">=1.8.4,<2.0.0", ">=1.10.0,<2.0.0")


def test_a_cold_matrix_reads_all_metadata_in_one_request(moto_s3, s3_counter, tmp_path: Path, monkeypatch):
    bucket = moto_s3.new_bucket()
    url = f"s3://{bucket}/conda"
    run_cli("publish", *packages(tmp_path, 40), "--channel", url, "--endpoint-url", moto_s3.endpoint_url, "-q")
    s3_counter.clear()
    out = matrix(tmp_path, monkeypatch, "--channel", url, "--endpoint-url", s3_counter.url)
    assert len(out["rows"]) == 40
    assert s3_counter.gets(bucket) == [f"/{bucket}/conda/noarch/repodata.json.zst", f"/{bucket}/{'conda/' + INDEX}"]
    s3_counter.clear()  # warm (the same cache): the index is revalidated, the about index not fetched again
    assert json_out(run_cli("matrix", "--channel", url, "--endpoint-url", s3_counter.url, "--json"))["rows"] == out["rows"]
    assert s3_counter.gets(bucket) == [f"/{bucket}/conda/noarch/repodata.json.zst"]

    client = moto_s3.client()  # without the index: the same rows, one range request per package
    client.delete_object(Bucket=bucket, Key=f"conda/{INDEX}")
    s3_counter.clear()
    without = matrix(tmp_path, monkeypatch, "--channel", url, "--endpoint-url", s3_counter.url)
    assert without["rows"] == out["rows"]
    assert len(s3_counter.gets(bucket)) == 2 + 40


def test_a_stale_or_damaged_index_gives_the_packages_own_rows(tmp_path: Path, monkeypatch):
    channel = tmp_path / "channel"
    paths = packages(tmp_path, 20)
    run_cli("publish", *paths, "--channel", channel, "-q")
    truth = matrix(tmp_path, monkeypatch, "--channel", channel)["rows"]
    index = channel / INDEX

    entries = about_index.raw_entries(index.read_bytes())
    lying = entries[paths[0].name]
    lying["about"]["extra"]["bundle"]["name"] = "not-this-package"
    lying["sha256"] = "0" * 64  # stale: not repodata's sha256
    index.write_bytes(about_index.serialize(entries))
    assert matrix(tmp_path, monkeypatch, "--channel", channel)["rows"] == truth

    for damage in (b"not gzip", gzip.compress(b"[1, 2]"), gzip.compress(b'{"format": 99, "packages": {}}')):
        index.write_bytes(damage)
        assert matrix(tmp_path, monkeypatch, "--channel", channel)["rows"] == truth

    index.unlink()  # the next publish writes it again, whole
    run_cli("publish", paths[0], "--channel", channel, "-q")
    assert set(about_index.parse(index.read_bytes())) == {p.name for p in paths}


def test_a_package_without_metadata_is_recorded_and_not_read_again(tiny, tmp_path: Path):
    channel = tmp_path / "channel"
    bare = tiny("ayon-publish", version="9.9.9")  # a valid conda package with no info/about.json
    run_cli("publish", bare, *packages(tmp_path, 2), "--channel", channel, "-q")
    entries = about_index.raw_entries((channel / INDEX).read_bytes())
    assert "about.json" in entries[bare.name]["unreadable"] and len(entries) == 3
    assert bare.name not in about_index.parse((channel / INDEX).read_bytes())  # readers read it themselves
    before = (channel / INDEX).read_bytes()
    result = run_cli("publish", tiny("ayon-publish", version="9.9.10"), "--channel", channel)
    assert "About index: reading the metadata of 1 package(s)" in result.stderr  # the new one, not 9.9.9 again
    assert len(about_index.raw_entries((channel / INDEX).read_bytes())) == 4 and before != (channel / INDEX).read_bytes()


def test_a_channel_without_ayon_packages_gets_no_about_index(tiny, tmp_path: Path):
    channel = tmp_path / "channel"
    run_cli("publish", tiny("other-tool"), "--channel", channel, "-q")
    assert (channel / "noarch" / "repodata.json").is_file()
    assert not (channel / INDEX).exists()
