"""``ayon-conda publish``: append-only channels on disk and on S3 (moto over HTTP), indexed by py-rattler."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from conftest import error_line, json_out, run_cli
from support.channel_check import INDEX, assert_valid, assert_views_agree, dir_files, packages_in


def test_packages_go_to_their_subdir_and_are_indexed(channel, tiny):
    a, b = tiny("alpha"), tiny("beta", version="2.1")
    native = tiny("gamma", subdir="linux-64")
    out = json_out(run_cli("publish", a, b, native, *channel.cli_args(), "--json"))
    assert [p["action"] for p in out["packages"]] == ["uploaded"] * 3
    assert out["indexed"] == ["linux-64", "noarch"]
    files = channel.read()
    assert assert_valid(files) == {"noarch": {a.name, b.name}, "linux-64": {native.name}}
    assert assert_views_agree(files, "noarch") == {a.name, b.name}
    assert assert_views_agree(files, "linux-64") == {native.name}
    assert files[f"noarch/{a.name}"] == a.read_bytes()


def test_identical_file_again_is_already_published(channel, tiny):
    package = tiny("alpha")
    run_cli("publish", package, *channel.cli_args())
    before = channel.read()
    result = run_cli("publish", package, *channel.cli_args())
    assert "already published: " in result.stdout and package.name in result.stdout
    after = channel.read()
    assert after[f"noarch/{package.name}"] == before[f"noarch/{package.name}"]
    assert assert_valid(after) == assert_valid(before) == {"noarch": {package.name}}


def test_a_different_file_under_a_published_name_is_refused(channel, tiny):
    published = tiny("alpha", payload="first")
    run_cli("publish", published, *channel.cli_args())
    before = channel.read()
    impostor = tiny("alpha", payload="second build, same name", directory="other")
    assert impostor.name == published.name and impostor.read_bytes() != published.read_bytes()
    line = error_line(run_cli("publish", impostor, *channel.cli_args(), code=1))
    assert published.name in line and "already exists with different content" in line and "--build-number" in line
    assert channel.read() == before



def test_a_different_file_landing_between_check_and_write_is_refused(channel, tiny, monkeypatch):
    """Another publisher's build of the same name lands after publish found the name free and
    before its own write: the write itself refuses (with the way out), and the other file stays."""
    from ayon_conda.channel import publish
    from ayon_conda.package_file import inspect_package
    from ayon_conda.progress import SILENT
    from ayon_conda.s3 import CREATED

    ours, theirs = tiny("alpha", payload="ours"), tiny("alpha", payload="them", directory="other")
    assert ours.name == theirs.name and ours.read_bytes() != theirs.read_bytes()
    real_upload = publish.upload

    def racing(step, target, progress):
        assert target.upload(inspect_package(theirs), SILENT) == CREATED  # the other publisher wins the race
        return real_upload(step, target, progress)

    monkeypatch.setattr(publish, "upload", racing)
    line = error_line(run_cli("publish", ours, *channel.cli_args(), code=1))
    assert ours.name in line and "already exists with different content" in line and "--build-number" in line
    assert channel.read()[f"noarch/{ours.name}"] == theirs.read_bytes()

def test_older_versions_stay(channel, tiny):
    first = tiny("alpha", version="1.0")
    run_cli("publish", first, *channel.cli_args())
    newer = [tiny("alpha", version="1.1"), tiny("alpha", version="1.1", build_number=1)]
    run_cli("publish", *newer, *channel.cli_args())
    files = channel.read()
    assert assert_valid(files)["noarch"] == {first.name, *(p.name for p in newer)}
    assert packages_in(files) == {first.name, *(p.name for p in newer)}


def test_skip_released_keeps_the_published_build_of_the_same_pin(channel, tiny):
    """Two builds of one name, version and build prefix (ayon-publish-core of one core version,
    built from two bundles): the second is kept out with --skip-released, refused without it."""
    first = tiny("alpha-core", payload="from bundle A")
    run_cli("publish", first, *channel.cli_args())
    before = channel.read()
    other = tiny("alpha-core", payload="from bundle B", directory="other")
    rebuild = tiny("alpha-core", build_number=1, directory="other")
    unrelated = tiny("beta", directory="other")
    out = json_out(run_cli("publish", other, rebuild, unrelated, *channel.cli_args(), "--skip-released", "--json"))
    assert [p["action"] for p in out["packages"]] == ["kept", "kept", "uploaded"]
    files = channel.read()
    assert files[f"noarch/{first.name}"] == before[f"noarch/{first.name}"]
    assert assert_views_agree(files, "noarch") == {first.name, unrelated.name}
    error_line(run_cli("publish", other, *channel.cli_args(), code=1))  # without it: a different file, refused


def test_dry_run_prints_the_plan_and_writes_nothing(channel, tiny):
    old = tiny("alpha")
    run_cli("publish", old, *channel.cli_args())
    before = channel.read()
    new = tiny("beta")
    result = run_cli("publish", old, new, *channel.cli_args(), "--dry-run")
    assert "already published: " in result.stdout and "would upload: " in result.stdout
    assert "would index" in result.stdout
    out = json_out(run_cli("publish", old, new, *channel.cli_args(), "--dry-run", "--json"))
    assert out["dry_run"] is True and out["indexed"] == []
    assert [(p["filename"], p["action"]) for p in out["packages"]] == [(old.name, "already published"), (new.name, "upload")]
    assert channel.read() == before


def test_dry_run_into_a_new_directory_creates_nothing(tmp_path, tiny):
    run_cli("publish", tiny("alpha"), "--channel", tmp_path / "new-channel", "--dry-run")
    assert not (tmp_path / "new-channel").exists()


def test_json_output_describes_each_package(channel, tiny):
    package = tiny("alpha")
    out = json_out(run_cli("publish", package, *channel.cli_args(), "--json"))
    assert out["channel"].rstrip("/").endswith("channel") or out["channel"].endswith("/conda")
    (entry,) = out["packages"]
    assert entry["filename"] == package.name and entry["subdir"] == "noarch" and entry["size"] == package.stat().st_size
    assert entry["location"].endswith(f"noarch/{package.name}")


def test_uploads_show_progress(channel, tiny):
    package = tiny("alpha")
    result = run_cli("publish", package, *channel.cli_args())
    assert package.name in result.stderr and ("Uploading" in result.stderr or "Copying" in result.stderr)
    assert "Indexing" in result.stderr


def test_file_url_channel(tmp_path, tiny):
    root = tmp_path / "served"
    run_cli("publish", tiny("alpha"), "--channel", root.as_uri())
    assert json.loads((root / "noarch" / "repodata.json").read_text())["packages.conda"]


def _stray(files: dict[str, bytes], packages: set[str]) -> list[str]:
    """Files of a channel that are neither packages nor index files nor shards."""
    return [f for f in files if f.rpartition("/")[2] not in (*INDEX, *packages) and "/shards/" not in f]


def test_directory_channel_holds_packages_and_index_only(tmp_path, tiny):
    """The indexers' lock sits beside the channel; a second publish keeps the shards of the first."""
    root = tmp_path / "channel"
    first, second = tiny("alpha"), tiny("beta")
    run_cli("publish", first, "--channel", root)
    shards = {p.name: p.stat().st_ino for p in (root / "noarch" / "shards").iterdir()}
    run_cli("publish", second, "--channel", root)
    files = dir_files(root)
    assert assert_valid(files) == {"noarch": {first.name, second.name}}
    assert _stray(files, {first.name, second.name}) == []
    assert (tmp_path / ".channel.ayon-conda-index.lock").is_file()
    assert {p.name: p.stat().st_ino for p in (root / "noarch" / "shards").iterdir() if p.name in shards} == shards
    run_cli("mirror", root, tmp_path / "copy")
    assert _stray(dir_files(tmp_path / "copy"), {first.name, second.name}) == []


# -- S3 specifics ---------------------------------------------------------------------------------
def _anonymous_get(url: str) -> int:
    try:
        with urllib.request.urlopen(url) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.fixture
def s3_channel(moto_s3):
    bucket = moto_s3.new_bucket()
    return bucket, f"s3://{bucket}/conda", f"{moto_s3.endpoint_url}/{bucket}/conda"


def test_s3_objects_are_private_by_default(moto_s3, s3_channel, tiny):
    bucket, url, http = s3_channel
    package = tiny("alpha")
    run_cli("publish", package, "--channel", url, "--endpoint-url", moto_s3.endpoint_url)
    assert _anonymous_get(f"{http}/noarch/{package.name}") == 403
    assert _anonymous_get(f"{http}/noarch/repodata.json") == 403


def test_public_channel_is_readable_anonymously(moto_s3, s3_channel, tiny):
    bucket, url, http = s3_channel
    earlier = tiny("early")
    run_cli("publish", earlier, "--channel", url, "--endpoint-url", moto_s3.endpoint_url)
    package = tiny("alpha")
    run_cli("publish", package, earlier, "--channel", url, "--endpoint-url", moto_s3.endpoint_url, "--public")
    for key in (f"noarch/{package.name}", f"noarch/{earlier.name}", "noarch/repodata.json",
                "noarch/repodata.json.zst", "noarch/repodata_shards.msgpack.zst"):
        assert _anonymous_get(f"{http}/{key}") == 200, key
    shards = [k for k in moto_s3.keys(bucket, "conda/noarch/shards/")]
    assert shards and all(_anonymous_get(f"{moto_s3.endpoint_url}/{bucket}/{k}") == 200 for k in shards[-2:])


def test_cache_control_immutable_packages_short_lived_index(moto_s3, s3_channel, tiny):
    bucket, url, _ = s3_channel
    package = tiny("alpha")
    run_cli("publish", package, "--channel", url, "--endpoint-url", moto_s3.endpoint_url)
    client = moto_s3.client()
    assert "immutable" in client.head_object(Bucket=bucket, Key=f"conda/noarch/{package.name}")["CacheControl"]
    for name in ("repodata.json", "repodata.json.zst", "repodata_shards.msgpack.zst"):
        control = client.head_object(Bucket=bucket, Key=f"conda/noarch/{name}")["CacheControl"]
        max_age = int(control.split("max-age=")[1].split(",")[0])
        assert max_age <= 600 and "immutable" not in control, (name, control)


def test_endpoint_from_environment(moto_s3, s3_channel, tiny, monkeypatch):
    bucket, url, _ = s3_channel
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_s3.endpoint_url)
    package = tiny("alpha")
    run_cli("publish", package, "--channel", url)
    assert f"conda/noarch/{package.name}" in moto_s3.keys(bucket)


def test_uploads_carry_their_sha256(moto_s3, s3_channel, tiny):
    import base64
    import hashlib

    bucket, url, _ = s3_channel
    package = tiny("alpha")
    run_cli("publish", package, "--channel", url, "--endpoint-url", moto_s3.endpoint_url)
    head = moto_s3.client().head_object(Bucket=bucket, Key=f"conda/noarch/{package.name}", ChecksumMode="ENABLED")
    assert base64.b64decode(head["ChecksumSHA256"]) == hashlib.sha256(package.read_bytes()).digest()


def test_a_store_that_corrupts_an_upload_never_gets_it_indexed(tmp_path, tiny):
    """The size and sha256 in the channel are checked after the upload, before indexing."""
    from ayon_conda.channel.directory import LocalChannel
    from ayon_conda.channel.protocol import CREATED
    from ayon_conda.channel.publish import publish
    from ayon_conda.errors import AyonCondaError
    from ayon_conda.progress import SILENT

    class LosesBytes(LocalChannel):
        def upload(self, package, progress):
            target = self.root / package.subdir / package.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(package.path.read_bytes()[:-16])
            return CREATED

    package = tiny("alpha")
    root = tmp_path / "channel"
    with pytest.raises(AyonCondaError, match="after the upload, not the package"):
        publish([package], LosesBytes(root), SILENT)
    assert not (root / "noarch" / "repodata.json").exists()
