"""Package files crafted by hand, as an attacker or a broken build tool would write them.

:func:`craft` writes a ``.conda`` from explicit members (files, symlinks, hard links, in any
order, twice if asked), so that every way a package can lie about itself can be made.
:data:`HOSTILE` holds one case per such lie, each with the member a refusal must name.
"""

from __future__ import annotations

import hashlib
import io
import json
import struct
import tarfile
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

try:  # Python 3.14+
    from compression import zstd
except ImportError:  # pragma: no cover
    from backports import zstd

#: A member: (name, bytes) for a file, (name, ("symlink"|"hardlink", target)) for a link.
Member = tuple[str, "bytes | tuple[str, str]"]
PAYLOAD: list[Member] = [("share/hostile/README", b"hello\n")]


def _tar(members: Sequence[Member]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.mtime = 315532800
            if isinstance(data, tuple):
                info.type = tarfile.SYMTYPE if data[0] == "symlink" else tarfile.LNKTYPE
                info.linkname = data[1]
                tar.addfile(info)
            else:
                info.size, info.mode = len(data), 0o644
                tar.addfile(info, io.BytesIO(data))
    return zstd.compress(buffer.getvalue())


def info_members(name: str, version: str, build: str, payload: Sequence[Member] = PAYLOAD, *,
                 subdir: str = "noarch", build_number: int = 0) -> list[Member]:
    """The ``info/`` files of a valid package holding ``payload``."""
    index = {"name": name, "version": version, "build": build, "build_number": build_number, "depends": [],
             "license": "MIT", "subdir": subdir, "timestamp": 315532800000}
    if subdir == "noarch":
        index["noarch"] = "generic"
    files = [(n, d) for n, d in payload if not isinstance(d, tuple)]
    paths = {"paths_version": 1, "paths": [{"_path": n, "path_type": "hardlink", "sha256": hashlib.sha256(d).hexdigest(),
                                            "size_in_bytes": len(d)} for n, d in files]}
    return [("info/index.json", json.dumps(index).encode()), ("info/paths.json", json.dumps(paths).encode()),
            ("info/files", "".join(f"{n}\n" for n, _ in files).encode())]


def craft(directory: Path, stem: str, info: Sequence[Member], payload: Sequence[Member] = PAYLOAD,
          *, zip_members: Sequence[tuple[str, bytes]] = ()) -> Path:
    """Write ``directory/<stem>.conda`` with exactly these members (plus ``zip_members``)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{stem}.conda"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("metadata.json", json.dumps({"conda_pkg_format_version": 2}))
        zf.writestr(f"pkg-{stem}.tar.zst", _tar(payload))
        zf.writestr(f"info-{stem}.tar.zst", _tar(info))
        for name, data in zip_members:
            zf.writestr(name, data)
    return path


def valid(directory: Path, name: str = "hostile", version: str = "1.0", build: str = "h0_0") -> Path:
    return craft(directory, f"{name}-{version}-{build}", info_members(name, version, build))


@dataclass(frozen=True)
class Case:
    """A hostile package: how to write it, and the member (or words) a refusal must name."""

    write: Callable[[Path], Path]
    names: str


def _info(*replace: Member, drop: Sequence[str] = (), add: Sequence[Member] = ()) -> list[Member]:
    members = [m for m in info_members("hostile", "1.0", "h0_0") if m[0] not in drop]
    replaced = {name for name, _ in replace}
    return [m for m in members if m[0] not in replaced] + list(replace) + list(add)


def _case(info: list[Member], payload: Sequence[Member] = PAYLOAD, **kwargs) -> Callable[[Path], Path]:
    return lambda d: craft(d, "hostile-1.0-h0_0", info, payload, **kwargs)


SPOOFED_BUILD = "pyhdeadbeef_99"
_SPOOF = json.dumps({"name": "hostile", "version": "1.0", "build": SPOOFED_BUILD, "build_number": 99, "depends": [],
                     "subdir": "noarch", "noarch": "generic"}).encode()
_TWO_FILES = [*PAYLOAD, ("share/hostile/extra", b"not listed\n")]

HOSTILE: dict[str, Case] = {
    "run_exports.json malformed": Case(_case(_info(add=[("info/run_exports.json", b"{not json")])),
                                       "info/run_exports.json"),
    "run_exports.json of the wrong shape": Case(_case(_info(add=[("info/run_exports.json", b"[1, 2]")])),
                                                "info/run_exports.json"),
    "run_exports.json a symlink": Case(_case(_info(add=[("info/run_exports.json", ("symlink", "/etc/passwd"))])),
                                       "info/run_exports.json: is a symlink"),
    "index.json twice": Case(_case(_info(add=[("info/index.json", _SPOOF)])), "info/index.json: appears twice"),
    "index.json malformed": Case(_case(_info(("info/index.json", b"{"))), "info/index.json"),
    "index.json missing": Case(_case(_info(drop=["info/index.json"])), "info/index.json: is missing"),
    "about.json malformed": Case(_case(_info(add=[("info/about.json", b"[1,")])), "info/about.json"),
    "link.json malformed": Case(_case(_info(add=[("info/link.json", b'{"noarch": {"type": "python", '
                                                                    b'"entry_points": ["no-equals-sign"]}}')])),
                                "info/link.json"),
    "paths.json malformed": Case(_case(_info(("info/paths.json", b"nope"))), "info/paths.json"),
    "paths.json names a missing file": Case(_case(_info(), payload=[]), "info/paths.json: lists 'share/hostile/README'"),
    "a file paths.json does not list": Case(_case(_info(), payload=_TWO_FILES), "does not list 'share/hostile/extra'"),
    "a file paths.json has another sha256 for": Case(_case(_info(), payload=[("share/hostile/README", b"bye!!\n")]),
                                                     "says 'share/hostile/README' has sha256"),
    "a hard link in info/": Case(_case(_info(add=[("info/about.json", ("hardlink", "info/index.json"))])),
                                 "info/about.json: is a hardlink"),
    "a payload link out of the prefix": Case(_case(_info(), payload=[*PAYLOAD, ("share/x", ("symlink", "../../etc"))]),
                                             "share/x: links to '../../etc', outside the environment"),
    "an absolute payload path": Case(_case(_info(), payload=[("/etc/cron.d/x", b"x")]), "/etc/cron.d/x"),
    "a file twice in the payload": Case(_case(_info(), payload=[*PAYLOAD, *PAYLOAD]),
                                        "share/hostile/README: appears twice"),
    "a third tar in the zip": Case(_case(_info(), zip_members=[("info-other.tar.zst", b"")]), "info-other.tar.zst"),
    "not a zip": Case(lambda d: _write(d / "hostile-1.0-h0_0.conda", b"PK\x03\x04 truncated"), "not a .conda archive"),
    "an encrypted member": Case(lambda d: _zip_flags(valid(d), flags=1), "metadata.json: is encrypted in the zip"),
    "a compression zipfile lacks": Case(lambda d: _zip_flags(valid(d), method=93), "compression method is not supported"),
    # zipfile reads these (it ignores the counts and the comment length); rattler's reader does not,
    # and its indexer panics
    "an end record that counts no members": Case(lambda d: _end_record(valid(d), 8, 0),
                                                 "py-rattler cannot open it (a component is missing"),
    "an end record whose comment runs past the file": Case(lambda d: _end_record(valid(d), 20, 0xFFFF),
                                                           "py-rattler cannot open it (invalid zip archive"),
}


def _end_record(path: Path, field_at: int, value: int) -> Path:
    """``path`` with the two-byte field ``field_at`` bytes into its zip's end record set to ``value``
    (8: the members on this disk; 20: the comment's length)."""
    data = bytearray(path.read_bytes())
    struct.pack_into("<H", data, data.rfind(b"PK\x05\x06") + field_at, value)
    return _write(path, bytes(data))


def _zip_flags(path: Path, *, flags: int = 0, method: int | None = None) -> Path:
    """``path`` with every zip header's flag bits or-ed with ``flags`` and its compression method
    set to ``method``: what zipfile reads as encrypted, or cannot decompress."""
    data = bytearray(path.read_bytes())
    for signature, flag_at in ((b"PK\x01\x02", 8), (b"PK\x03\x04", 6)):
        at = data.find(signature)
        while at >= 0:
            struct.pack_into("<H", data, at + flag_at, struct.unpack_from("<H", data, at + flag_at)[0] | flags)
            if method is not None:
                struct.pack_into("<H", data, at + flag_at + 2, method)
            at = data.find(signature, at + 4)
    return _write(path, bytes(data))


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
