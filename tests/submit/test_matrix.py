"""``ayon-conda matrix``: one row per published package, from the packages' own metadata,
cached so that a second run downloads nothing new."""

from __future__ import annotations

import html
import json
from pathlib import Path

from conftest import error_line, json_out, run_cli
from support.channels import FakePackage, published_channel


def _channel(channel) -> list[str]:
    return ["--channel", channel.s3, "--endpoint-url", channel.endpoint_url]


def test_rows_come_from_the_packages_metadata(ayon_channel, s3_counter, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("AYON_CONDA_CACHE_DIR", str(tmp_path / "cache"))
    through_hop = ["--channel", ayon_channel.s3, "--endpoint-url", s3_counter.url]
    bucket = ayon_channel.s3[len("s3://"):].partition("/")[0]
    s3_counter.clear()
    out = json_out(run_cli("matrix", *through_hop, "--json"))
    rows = out["rows"]
    assert out["packages"] == len(rows) == len(ayon_channel.packages) == 8
    assert [r["core"] for r in rows][:2] == ["1.10.0", "1.9.1"] and rows[-1]["core"] == "1.8.2"  # newest core first
    by_bundle = {r["bundle"]: r for r in rows}
    old = by_bundle["prod-1.8.2"]
    assert (old["deadline_cloud"], old["ayon_python_api"], old["pyblish_base"]) == ("0.2.0", "1.2.20", "1.8.11")
    assert (old["server"], old["launcher"], old["python"]) == (">=1.8.0,<2.0.0", ">=1.5.4", ">=3.9")
    newest = by_bundle["prod-1.10.0"]
    assert (newest["server"], newest["launcher"], newest["python"]) == (">=1.10.0,<2.0.0", ">=1.6.0", ">=3.11")
    assert by_bundle["maya-baked"]["other_addons"] == "maya=0.4.10"
    assert all(len(r["published"]) == 10 and r["published"].startswith("20") for r in rows)
    first = s3_counter.traffic(bucket)
    assert (out["requests"], out["bytes_fetched"]) == first  # what it reports is what crossed the wire

    s3_counter.clear()
    again = json_out(run_cli("matrix", *through_hop, "--json"))
    assert again["rows"] == rows
    assert s3_counter.traffic(bucket) == (1, 0), first  # one conditional request for the index, nothing downloaded
    assert (again["requests"], again["bytes_fetched"]) == (1, 0)


def test_formats(ayon_channel, tmp_path: Path):
    md = run_cli("matrix", "--channel", ayon_channel.http).stdout
    lines = md.splitlines()
    assert lines[0] == f"# ayon-publish packages in {ayon_channel.http}"
    header = next(i for i, line in enumerate(lines) if line.startswith("| package |"))
    assert lines[header] == ("| package | bundle | ayon-core | deadline_cloud addon | ayon-python-api | pyblish-base "
                             "| AYON server | AYON launcher | python | published |")
    assert len([line for line in lines[header + 2:] if line.startswith("| ayon-publish ==")]) == 8
    assert "(also bakes maya=0.4.10)" in md

    target = tmp_path / "MATRIX.json"
    said = run_cli("matrix", "--channel", ayon_channel.http, "--format", "json", "-o", target).stdout
    assert said.startswith(f"{target}: 8 packages")
    assert [p["spec"] for p in json.loads(target.read_text())["packages"]] == [
        line.split(" | ")[0].removeprefix("| ").split(" (also")[0] for line in lines[header + 2:]]

    page = run_cli("matrix", "--channel", ayon_channel.http, "--format", "html").stdout
    assert page.startswith("<!doctype html>") and page.count("<tr>") == 9
    assert "<style>" in page and "<script" not in page and "<link" not in page  # one self-contained file


def test_html_escapes_what_packages_record(moto_s3, tmp_path: Path):
    hostile = "<img src=x onerror=alert(1)>&co"
    channel = published_channel(moto_s3, [FakePackage({"core": "1.9.0", "deadline_cloud": "0.2.0"}, bundle=hostile)])
    page = run_cli("matrix", *_channel(channel), "--format", "html").stdout
    assert hostile not in page and html.escape(hostile) in page
    md = run_cli("matrix", *_channel(channel), "--format", "md").stdout
    assert hostile in md  # markdown renderers escape HTML themselves; the text stays readable


def test_matrix_errors(ayon_channel, moto_s3, tmp_path: Path):
    line = error_line(run_cli("matrix", "--channel", f"s3://{moto_s3.new_bucket()}/x", "--endpoint-url",
                              moto_s3.endpoint_url, code=1))
    assert "has no noarch/repodata.json" in line
    target = tmp_path / "no" / "dir" / "MATRIX.md"
    line = error_line(run_cli("matrix", "--channel", ayon_channel.http, "-o", target, code=1))
    assert line == f"error: {target}: cannot write there (No such file or directory); choose another --output"


def test_core_packages_have_rows_too(moto_s3):
    """A channel holding ayon-publish and ayon-publish-core (option C) lists both."""
    channel = published_channel(moto_s3, [FakePackage({"core": "1.9.0", "deadline_cloud": "0.2.0"}, bundle="prod"),
                                          FakePackage({"core": "1.9.0"}, bundle="prod", name="ayon-publish-core")])
    out = json_out(run_cli("matrix", *_channel(channel), "--json"))
    assert out["packages"] == 2
    by_name = {row["spec"].split()[0]: row for row in out["rows"]}
    assert set(by_name) == {"ayon-publish", "ayon-publish-core"}
    assert (by_name["ayon-publish-core"]["core"], by_name["ayon-publish-core"]["deadline_cloud"]) == ("1.9.0", "")
    md = run_cli("matrix", *_channel(channel)).stdout
    assert "\n2 packages, newest ayon-core first.\n" in md
    one = published_channel(moto_s3, [FakePackage({"core": "1.9.0"}, name="ayon-publish-core")])
    assert "\n1 package, newest ayon-core first.\n" in run_cli("matrix", *_channel(one)).stdout
