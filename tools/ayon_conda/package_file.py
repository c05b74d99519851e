"""A conda package file about to be published: what it says it is, checked against its name.

Any valid conda package can be published, not only ours. Its identity comes from the archive's
own ``info/index.json`` (read with py-rattler); the file name must be
``<name>-<version>-<build>.conda`` (or ``.tar.bz2``) for exactly that identity, and the subdir it
goes to is the one ``index.json`` names, so a channel can never list a file under a name or in
a directory that contradicts its metadata.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ayon_conda.cache import sha256_file
from ayon_conda.errors import AyonCondaError

EXTENSIONS = (".conda", ".tar.bz2")


def _one_line(text: object) -> str:
    return " ".join(line.strip() for line in str(text).splitlines() if line.strip())


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

    @property
    def filename(self) -> str:
        return self.path.name

    def to_dict(self) -> dict:
        return {"filename": self.filename, "name": self.name, "version": self.version, "build": self.build,
                "subdir": self.subdir, "size": self.size, "sha256": self.sha256}


def read_index_json(path: Path):
    """The archive's ``info/index.json`` (a ``rattler.package.IndexJson``)."""
    from rattler.package import IndexJson

    if not path.is_file():
        raise AyonCondaError(path, "no such file", "pass the path of a built conda package")
    try:
        return IndexJson.from_package_archive(path)
    except Exception as exc:  # rattler raises its own types for every archive problem
        raise AyonCondaError(path, f"not a readable conda package ({_one_line(exc)})", "rebuild it") from None


def inspect_package(path: Path) -> PackageFile:
    """Check one package file for publishing; raises :class:`AyonCondaError` naming it."""
    from rattler import Subdir

    path = Path(path)
    if not path.name.endswith(EXTENSIONS):
        raise AyonCondaError(path, "not a conda package (the name must end in .conda or .tar.bz2)",
                             "pass a package built by ayon-conda build, rattler-build or conda-build")
    index = read_index_json(path)
    name, version, build = index.name.normalized, str(index.version), str(index.build)
    extension = next(ext for ext in EXTENSIONS if path.name.endswith(ext))
    expected = f"{name}-{version}-{build}{extension}"
    if path.name != expected:
        raise AyonCondaError(path, f"its info/index.json says {name} {version} {build}, so it must be named {expected}",
                             "publish the file under the name its metadata gives, or rebuild it")
    subdir = index.subdir
    if not subdir:
        raise AyonCondaError(path, "its info/index.json names no subdir", "rebuild it with a current conda build tool")
    try:
        Subdir(subdir)
    except Exception:
        raise AyonCondaError(path, f"its info/index.json names an invalid subdir '{subdir}'", "rebuild it") from None
    return PackageFile(path=path, name=name, version=version, build=build, build_number=index.build_number,
                       subdir=subdir, size=path.stat().st_size, sha256=sha256_file(path))
