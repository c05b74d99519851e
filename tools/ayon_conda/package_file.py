"""A conda package file, read the way indexers and installers will read it, and checked whole.

Any valid conda package can be published, not only ours, and a channel may already hold files
written by other tools. Before a file is uploaded (``publish``) or indexed (``channel.indexer``),
every part of it is read here, so that no indexer or installer can later choke on it or read
something other than what was checked:

* the container: a ``.conda`` zip with one ``metadata.json`` (format 2), one
  ``info-<stem>.tar.zst`` and one ``pkg-<stem>.tar.zst`` for the file's own stem, or a
  ``.tar.bz2``; no member twice;
* ``info/``: plain files only (no links, devices or anything outside ``info/``), no member
  twice, each of ``index.json``, ``paths.json``, ``run_exports.json``, ``about.json`` and
  ``link.json`` parsed where present (the first four with py-rattler's own readers, which the
  indexer and installer use), ``index.json`` required;
* the payload: canonical relative paths, no member twice, links only to places inside the
  prefix, and exactly the paths ``info/paths.json`` lists, with its types, sizes and sha256;
* the identity: ``<name>-<version>-<build>.conda`` (or ``.tar.bz2``) is the file's name, and
  the subdir ``index.json`` names is valid (and, in a channel, the one the file sits in).

py-rattler's indexer reads only ``index.json`` and ``run_exports.json`` and takes the *last*
``index.json`` of a tar, so a package with two of them could be indexed as something it was not
checked as; a malformed ``run_exports.json`` makes it fail for the whole subdir. Hence this
check: a problem is reported as one line naming the member (:class:`PackageDefect`).
Decompressed sizes are bounded so that a compression bomb is refused, not unpacked.
"""

from __future__ import annotations

import bz2
import hashlib
import io
import json
import posixpath
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ayon_conda.cache import sha256_file
from ayon_conda.errors import AyonCondaError

try:  # Python 3.14+
    from compression import zstd
except ImportError:  # pragma: no cover - older Pythons
    from backports import zstd

EXTENSIONS = (".conda", ".tar.bz2")
INFO_LIMIT = 256 << 20  # bytes of info/ once decompressed
PAYLOAD_LIMIT = 64 << 30  # bytes of a whole package once decompressed
_CHUNK = 1 << 20
_FIX = "rebuild it with ayon-conda build, rattler-build or conda-build"


class PackageDefect(Exception):
    """What is wrong with a package file: one line, naming the member when there is one."""

    def __init__(self, problem: str, member: str = "") -> None:
        self.member = member
        self.problem = problem
        super().__init__(f"{member}: {problem}" if member else problem)


@dataclass(frozen=True)
class PackageFile:
    """A checked package file: identity from ``info/index.json``, bytes from the file."""

    path: Path
    name: str
    version: str
    build: str
    build_number: int
    subdir: str
    size: int
    sha256: str
    depends: tuple[str, ...] = ()

    @property
    def filename(self) -> str:
        return self.path.name

    def to_dict(self) -> dict:
        return {"filename": self.filename, "name": self.name, "version": self.version, "build": self.build,
                "subdir": self.subdir, "size": self.size, "sha256": self.sha256}


@dataclass(frozen=True)
class _Member:
    name: str
    kind: str  # "file", "dir", "symlink", "hardlink"
    size: int = 0
    sha256: str = ""
    target: str = ""  # of a link


# -- reading ---------------------------------------------------------------------------------------
def _one_line(text: object) -> str:
    return " ".join(line.strip() for line in str(text).splitlines() if line.strip())


def _canonical(name: str) -> bool:
    return (bool(name) and not name.startswith("/") and "\\" not in name and "\0" not in name
            and posixpath.normpath(name) == name and ".." not in name.split("/"))


class _Bounded(io.RawIOBase):
    """A stream that refuses to deliver more than ``limit`` bytes (a compression bomb)."""

    def __init__(self, stream: IO[bytes], limit: int, what: str) -> None:
        self._stream, self._limit, self._left, self._what = stream, limit, limit, what

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._stream.read(min(len(buffer), self._left + 1))
        if len(data) > self._left:
            raise PackageDefect(f"decompresses to more than {self._limit >> 20} MiB", self._what)
        self._left -= len(data)
        buffer[: len(data)] = data
        return len(data)


def _tar_members(stream: IO[bytes], what: str, info: dict[str, bytes] | None) -> Iterator[_Member]:
    """Every member of a tar stream, file contents hashed; ``info/`` files also kept in ``info``."""
    try:
        with tarfile.open(fileobj=stream, mode="r|") as tar:
            for member in tar:
                name = member.name
                if not _canonical(name):
                    raise PackageDefect("not a plain relative path", name)
                if member.isfile():
                    digest, size, kept = hashlib.sha256(), 0, []
                    fh = tar.extractfile(member)
                    while chunk := fh.read(_CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
                        if info is not None and name.startswith("info/"):
                            kept.append(chunk)
                    if info is not None and name.startswith("info/"):
                        info.setdefault(name, b"".join(kept))
                    yield _Member(name, "file", size, digest.hexdigest())
                elif member.isdir():
                    yield _Member(name, "dir")
                elif member.issym():
                    yield _Member(name, "symlink", target=member.linkname)
                elif member.islnk():
                    yield _Member(name, "hardlink", target=member.linkname)
                else:
                    raise PackageDefect("is not a file, directory or link", name)
    except (tarfile.TarError, zstd.ZstdError, zipfile.BadZipFile, EOFError, OSError, UnicodeError) as exc:
        raise PackageDefect(f"not a readable tar ({_one_line(exc) or type(exc).__name__})", what) from None


def _conda_parts(path: Path) -> Iterator[tuple[str, str, IO[bytes]]]:
    """The info and pkg tars of a ``.conda`` file as streams: (stem they are named for, member, stream)."""
    try:
        with zipfile.ZipFile(path) as zf:
            listed = [i.filename for i in zf.infolist()]
            twice = sorted({n for n in listed if listed.count(n) > 1})
            if twice:
                raise PackageDefect("appears twice in the zip", twice[0])
            infos = sorted(n for n in listed if n.startswith("info-") and n.endswith(".tar.zst"))
            if len(infos) != 1:
                raise PackageDefect("the zip must hold exactly one info-<stem>.tar.zst", ", ".join(infos) or path.name)
            stem = infos[0][len("info-"):-len(".tar.zst")]
            encrypted = next((i.filename for i in zf.infolist() if i.flag_bits & 1), None)
            if encrypted is not None:  # zipfile would ask for a password
                raise PackageDefect("is encrypted in the zip", encrypted)
            expected = {"metadata.json", f"info-{stem}.tar.zst", f"pkg-{stem}.tar.zst"}
            if set(listed) != expected:
                other = sorted(set(listed) ^ expected) or ["metadata.json"]
                raise PackageDefect("the zip must hold exactly metadata.json, info-<stem>.tar.zst and "
                                    "pkg-<stem>.tar.zst", other[0])
            try:
                metadata = json.loads(zf.read("metadata.json"))
            except (ValueError, UnicodeError, RecursionError):
                raise PackageDefect("not valid JSON", "metadata.json") from None
            if not isinstance(metadata, dict) or metadata.get("conda_pkg_format_version") != 2:
                raise PackageDefect("is not conda_pkg_format_version 2", "metadata.json")
            for component in ("info", "pkg"):
                member = f"{component}-{stem}.tar.zst"
                limit = INFO_LIMIT if component == "info" else PAYLOAD_LIMIT
                with zf.open(member) as raw, zstd.ZstdFile(raw) as unpacked:
                    yield stem, member, io.BufferedReader(_Bounded(unpacked, limit, member), _CHUNK)
    except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError) as exc:
        # NotImplementedError: a compression zipfile lacks; OSError: offsets before the file's start
        raise PackageDefect(f"not a .conda archive ({_one_line(exc)})") from None


def _members(path: Path, info: dict[str, bytes]) -> tuple[list[_Member], list[_Member], str]:
    """(info members, payload members, stem its parts are named for) of a package file;
    ``info`` receives the info files' bytes."""
    if path.name.endswith(".conda"):
        parts = [(stem, list(_tar_members(stream, member, info))) for stem, member, stream in _conda_parts(path)]
        (stem, info_members), (_, payload) = parts
        misplaced = [m.name for m in payload if m.name == "info" or m.name.startswith("info/")]
        if misplaced:
            raise PackageDefect("is in the payload part, not the info part", misplaced[0])
    else:
        stem = path.name[: -len(".tar.bz2")]
        with open(path, "rb") as raw, bz2.BZ2File(raw) as unpacked:
            found = list(_tar_members(io.BufferedReader(_Bounded(unpacked, PAYLOAD_LIMIT, path.name), _CHUNK),
                                      path.name, info))
        info_members = [m for m in found if m.name == "info" or m.name.startswith("info/")]
        payload = [m for m in found if m not in info_members]
    outside = [m.name for m in info_members if m.name != "info" and not m.name.startswith("info/")]
    if outside:
        raise PackageDefect("is outside info/ in the info part", outside[0])
    return info_members, payload, stem


# -- checking --------------------------------------------------------------------------------------
def _json(info: dict[str, bytes], member: str, reader: Any = None) -> Any:
    """Parse an ``info/`` JSON file; with ``reader`` (a py-rattler class) as that reader does."""
    try:
        text = info[member].decode("utf-8")
        data = json.loads(text)
    except (UnicodeError, ValueError, RecursionError) as exc:
        raise PackageDefect(f"not valid JSON ({_one_line(exc)})", member) from None
    if reader is not None:
        try:
            reader.from_str(text)
        except Exception as exc:  # py-rattler raises its own exception types
            raise PackageDefect(f"not what conda tools read ({_one_line(exc)})", member) from None
    return data


def _check_link_json(data: Any) -> None:
    member = "info/link.json"
    noarch = data.get("noarch") if isinstance(data, dict) else None
    if not isinstance(data, dict) or (noarch is not None and not isinstance(noarch, dict)):
        raise PackageDefect("not a link.json object", member)
    if noarch is not None:
        points = noarch.get("entry_points", [])
        if noarch.get("type") not in ("python", "generic") or not isinstance(points, list):
            raise PackageDefect("its noarch type is not python or generic", member)
        for point in points:
            name, _, target = str(point).partition("=")
            module, _, func = target.strip().partition(":")
            if not isinstance(point, str) or not name.strip() or not module or not func:
                raise PackageDefect(f"entry point {point!r} is not 'name = module:function'", member)


def _check_paths(info: dict[str, bytes], payload: list[_Member]) -> None:
    members = {m.name: m for m in payload}
    listed: dict[str, dict] = {}
    if "info/paths.json" in info:
        data = _json(info, "info/paths.json")
        for entry in data.get("paths", []) if isinstance(data, dict) else []:
            if not isinstance(entry, dict) or not isinstance(entry.get("_path"), str):
                raise PackageDefect("an entry has no _path", "info/paths.json")
            listed[entry["_path"]] = entry
    elif "info/files" in info:
        try:
            listed = {line: {} for line in info["info/files"].decode("utf-8").splitlines() if line}
        except UnicodeError:
            raise PackageDefect("not UTF-8 text", "info/files") from None
    else:
        raise PackageDefect("is missing (and so is info/files)", "info/paths.json")
    where = "info/paths.json" if "info/paths.json" in info else "info/files"
    for path, entry in sorted(listed.items()):
        member = members.get(path)
        kind = entry.get("path_type", "")
        if member is None:
            raise PackageDefect(f"lists {path!r}, which the archive does not hold", where)
        if kind == "directory" and member.kind == "dir":
            continue
        if (kind == "softlink") != (member.kind == "symlink") or member.kind == "dir":
            raise PackageDefect(f"says {path!r} is a {kind or 'file'}, the archive holds a {member.kind}", where)
        if member.kind == "file":
            size, sha = entry.get("size_in_bytes"), entry.get("sha256")
            if size is not None and size != member.size:
                raise PackageDefect(f"says {path!r} has {size} bytes, the archive holds {member.size}", where)
            if sha is not None and sha != member.sha256:
                raise PackageDefect(f"says {path!r} has sha256 {sha}, the archive holds {member.sha256}", where)
    unlisted = sorted(m.name for m in payload if m.kind != "dir" and m.name not in listed)
    if unlisted:
        raise PackageDefect(f"does not list {unlisted[0]!r}, which the archive holds", where)


def _check_payload(payload: list[_Member]) -> None:
    seen: set[str] = set()
    files = {m.name for m in payload if m.kind == "file"}
    for member in payload:
        if member.name in seen:
            raise PackageDefect("appears twice", member.name)
        seen.add(member.name)
        if member.kind == "symlink":
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(member.name), member.target))
            if member.target.startswith("/") or resolved == ".." or resolved.startswith("../"):
                raise PackageDefect(f"links to {member.target!r}, outside the environment", member.name)
        elif member.kind == "hardlink" and member.target not in files:
            raise PackageDefect(f"is a hard link to {member.target!r}, which is not a file before it", member.name)


def check_archive(path: Path) -> tuple[Any, str]:
    """Read every part of a package file (see the module docstring); returns its
    ``rattler.package.IndexJson`` and the stem its parts are named for. Raises :class:`PackageDefect`."""
    from rattler.package import AboutJson, IndexJson, RunExportsJson

    info: dict[str, bytes] = {}
    info_members, payload, stem = _members(path, info)
    names = [m.name for m in info_members]
    for member in info_members:
        if names.count(member.name) > 1:
            raise PackageDefect("appears twice", member.name)
        if member.kind not in ("file", "dir"):
            raise PackageDefect(f"is a {member.kind}; info/ holds plain files only", member.name)
    if "info/index.json" not in info:
        raise PackageDefect("is missing", "info/index.json")
    _json(info, "info/index.json", IndexJson)
    for member, reader in (("info/run_exports.json", RunExportsJson), ("info/about.json", AboutJson)):
        if member in info:
            _json(info, member, reader)
    if "info/link.json" in info:
        _check_link_json(_json(info, "info/link.json"))
    _check_payload(payload)
    _check_paths(info, payload)
    _check_rattler_opens(path)
    return IndexJson.from_str(info["info/index.json"].decode("utf-8")), stem


def _check_rattler_opens(path: Path) -> None:
    """Refuse what py-rattler's own archive reader (its indexer's and installers') cannot open:
    Python's zipfile is more lenient (it walks the zip's directory by size and ignores the end
    record's counts and comment length), and one package the indexer cannot open fails a whole
    index."""
    from rattler.package import IndexJson

    try:
        IndexJson.from_package_archive(path)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # py-rattler's own types; a Rust panic is a BaseException
        raise PackageDefect(f"py-rattler cannot open it ({_one_line(exc)}), so indexers and installers would fail on it") from None


def check_package_file(path: Path, subdir: str | None = None) -> PackageFile:
    """A package file checked whole (:func:`check_archive`), named for its identity and, with
    ``subdir``, in the subdir its ``index.json`` names. Raises :class:`PackageDefect`."""
    from rattler import Subdir

    path = Path(path)
    if not path.name.endswith(EXTENSIONS):
        raise PackageDefect("not a conda package (the name must end in .conda or .tar.bz2)")
    index, stem = check_archive(path)
    name, version, build = index.name.normalized, str(index.version), str(index.build)
    extension = next(ext for ext in EXTENSIONS if path.name.endswith(ext))
    expected = f"{name}-{version}-{build}{extension}"
    if path.name != expected:
        raise PackageDefect(f"its info/index.json says {name} {version} {build}, so it must be named {expected}")
    if f"{stem}{extension}" != expected:
        raise PackageDefect(f"its parts are named for {stem}, not {expected}: conda clients would not find them")
    if not index.subdir:
        raise PackageDefect("names no subdir", "info/index.json")
    try:
        Subdir(index.subdir)
    except Exception:
        raise PackageDefect(f"names an invalid subdir {index.subdir!r}", "info/index.json") from None
    if subdir is not None and index.subdir != subdir:
        raise PackageDefect(f"names subdir {index.subdir!r}, but the file is in {subdir}/", "info/index.json")
    return PackageFile(path=path, name=name, version=version, build=build, build_number=index.build_number,
                       subdir=index.subdir, size=path.stat().st_size, sha256=sha256_file(path),
                       depends=tuple(index.depends))


def inspect_package(path: Path) -> PackageFile:
    """Check one package file for publishing; raises :class:`AyonCondaError` naming it (and the member)."""
    path = Path(path)
    if not path.is_file():
        raise AyonCondaError(path, "no such file", "pass the path of a built conda package")
    try:
        return check_package_file(path)
    except PackageDefect as exc:
        raise AyonCondaError(path, f"not a valid conda package: {exc}", _FIX) from None


def read_index_json(path: Path):
    """The archive's ``info/index.json`` (a ``rattler.package.IndexJson``), checked whole."""
    if not Path(path).is_file():
        raise AyonCondaError(path, "no such file", "pass the path of a built conda package")
    try:
        return check_archive(Path(path))[0]
    except PackageDefect as exc:
        raise AyonCondaError(path, f"not a valid conda package: {exc}", _FIX) from None
