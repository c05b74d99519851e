"""The compatibility matrix of a channel: one row per published package (ayon-publish and ayon-publish-core).

Every value comes from the package's own ``info/about.json`` (what it bakes and vendors, the AYON
server, launcher and python ranges) read through :class:`~ayon_publish_submit.channel_reader.Channel`,
which caches it by sha256: a second run over the same channel downloads only the index check.
The publish date is when the channel's indexer added the package (``indexed_timestamp``, which
rattler-index records), else the file's Last-Modified, else its build timestamp.

Output: Markdown (for ``channel/MATRIX.md``), JSON, or one self-contained, escaped HTML page.
The text depends only on the channel's contents (no "generated at"), so regenerating an
unchanged matrix changes no bytes.
"""

from __future__ import annotations

import html
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ayon_publish_submit.channel_reader import Channel, PackageRecord
from ayon_publish_submit.package_about import PackageAbout
from ayon_publish_submit.pin_scheme import CORE_PACKAGE, DEFAULT_PACKAGE
from ayon_publish_submit.versions import version_key

from ayon_conda.errors import AyonCondaError
from ayon_conda.progress import Progress

#: (field, column title)
COLUMNS = (
    ("spec", "package"),
    ("bundle", "bundle"),
    ("core", "ayon-core"),
    ("deadline_cloud", "deadline_cloud addon"),
    ("ayon_python_api", "ayon-python-api"),
    ("pyblish_base", "pyblish-base"),
    ("server", "AYON server"),
    ("launcher", "AYON launcher"),
    ("python", "python"),
    ("published", "published"),
)


@dataclass(frozen=True)
class MatrixRow:
    spec: str
    bundle: str
    core: str
    deadline_cloud: str
    ayon_python_api: str
    pyblish_base: str
    server: str
    launcher: str
    python: str
    published: str  # YYYY-MM-DD (UTC)
    filename: str
    other_addons: str  # baked addons besides core and deadline_cloud, "name=version ..."

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _date(record: PackageRecord, about: PackageAbout) -> str:
    if record.indexed_timestamp:
        seconds = record.indexed_timestamp / 1000
    elif about.last_modified:
        seconds = about.last_modified
    elif record.timestamp:
        seconds = record.timestamp / 1000
    else:
        return ""
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%d")


def make_row(record: PackageRecord, about: PackageAbout) -> MatrixRow:
    addons = about.addons
    vendored = about.components("vendored")
    compat = about.compatibility
    return MatrixRow(
        spec=record.exact_spec,
        bundle=str(about.bundle_name or ""),
        core=addons.get("core", ""),
        deadline_cloud=addons.get("deadline_cloud", ""),
        ayon_python_api=vendored.get("ayon-python-api", ""),
        pyblish_base=vendored.get("pyblish-base", ""),
        server=str(compat.get("ayon_server_version") or ""),
        launcher=str(compat.get("ayon_launcher_version") or ""),
        python=str(compat.get("python") or ""),
        published=_date(record, about),
        filename=record.filename,
        other_addons=" ".join(f"{k}={v}" for k, v in sorted(addons.items()) if k not in ("core", "deadline_cloud")),
    )


def matrix_rows(channel: Channel, progress: Progress, names: tuple[str, ...] = (DEFAULT_PACKAGE, CORE_PACKAGE)) -> list[MatrixRow]:
    """One row per package of ``channel`` named one of ``names``: newest ayon-core first, then
    newest build."""
    records = [r for r in channel.records() if r.name in names]
    uncached = sum(1 for r in records if channel.cached_about(r) is None)
    progress.step(f"{channel.url}: {packages(len(records))}, metadata of {uncached} to read")
    with progress.bar("Reading package metadata", len(records)) as advance:
        abouts = channel.abouts(records, done=advance)
    records.sort(key=lambda r: (version_key(r.version), r.indexed_timestamp or 0, r.build_number, r.filename), reverse=True)
    return [make_row(r, abouts[r.filename]) for r in records]


def _cells(row: MatrixRow) -> list[str]:
    values = row.to_dict()
    cells = [str(values[key]) for key, _ in COLUMNS]
    if row.other_addons:
        cells[0] += f" (also bakes {row.other_addons})"
    return cells


def _markdown(rows: list[MatrixRow], title: str) -> str:
    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") or " " for c in cells) + " |\n"

    out = [f"# {title}\n\n", f"{packages(len(rows))}, newest ayon-core first.\n\n",
           line([t for _, t in COLUMNS]), line(["---"] * len(COLUMNS))]
    out += [line(_cells(row)) for row in rows]
    return "".join(out)


def _html(rows: list[MatrixRow], title: str) -> str:
    head = "".join(f"<th>{html.escape(t)}</th>" for _, t in COLUMNS)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in _cells(row)) + "</tr>\n" for row in rows)
    return (
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
        f"<title>{html.escape(title)}</title>\n"
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left;white-space:nowrap}"
        "th{background:#f3f3f3}tr:nth-child(even){background:#fafafa}</style></head><body>\n"
        f"<h1>{html.escape(title)}</h1>\n<p>{packages(len(rows))}, newest ayon-core first.</p>\n"
        f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody>\n</table>\n</body></html>\n"
    )


def packages(count: int) -> str:
    """``1 package``, ``2 packages``."""
    return f"{count} package{'' if count == 1 else 's'}"


def render(rows: list[MatrixRow], fmt: str, channel_url: str) -> str:
    title = f"ayon-publish packages in {channel_url}"
    if fmt == "md":
        return _markdown(rows, title)
    if fmt == "html":
        return _html(rows, title)
    if fmt == "json":
        return json.dumps({"channel": channel_url, "packages": [row.to_dict() for row in rows]}, indent=2) + "\n"
    raise ValueError(f"unknown format {fmt!r}")


def write_output(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically: a reader never sees half a matrix."""
    path = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        raise AyonCondaError(path, f"cannot write there ({exc.strerror})", "choose another --output") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise AyonCondaError(path, f"cannot write: {exc.strerror}", "choose another --output") from None
