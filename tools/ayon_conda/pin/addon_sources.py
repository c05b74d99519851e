"""Addon sources: fetch an addon's client code and check it against its sha256.

Three kinds, as the component config names them:

``url``     an archive (GitHub tag archives of ynput's repositories for real bundles), downloaded
            into the content-addressed cache; sha256 of the archive.
``server``  the addon's private ``client.zip`` on an AYON server, through ayon-python-api's
            ``download_addon_private_file``; sha256 of the zip.
``path``    a local directory (sha256 over its tree, see :func:`archives.tree_sha256`) or archive.

``pin`` fetches a configured source and records what it found (:meth:`Sources.pin`);
``build`` opens a locked source and refuses it when its sha256 differs (:meth:`Sources.open`).
Either way the result is an addon tree with AYON's layout (``package.py``, ``client/``).

A lock must not depend on where it was pinned (the lock is inside the package, so other bytes
would make another package of the same name). A path source is therefore locked by its content
hash and its own name (the directory's or archive's name, not its path), and ``pin`` keeps a
copy in the cache (``path-sources/<sha256>/<name>``). ``build`` takes it from a wheelhouse
(``ayon-conda fetch`` copies it there, so another machine can build) or from that cache.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from ayon_conda import download
from ayon_conda.cache import cache_dir, download_path, sha256_file, tree_path
from ayon_conda.errors import AyonCondaError
from ayon_conda.pin.component_config import AddonConfig
from ayon_conda.pin.lock import AddonSource, LockedAddon
from ayon_conda.pin.source_archives import iter_tree, safe_extract, tree_sha256
from ayon_conda.progress import Progress


@dataclass(frozen=True)
class AyonServer:
    """Where server sources come from; the key is used, never stored or printed."""

    url: str
    api_key: str | None

    def connect(self):  # -> ayon_api.ServerAPI
        from ayon_conda.pin.bundle_source import connect

        return connect(self.url, self.api_key)


def path_source_path(sha256: str, name: str, root: Path | None = None) -> Path:
    """Where the cache keeps a path source pinned with ``sha256``: ``path-sources/<sha256>/<name>``."""
    return (root or cache_dir()) / "path-sources" / sha256 / name


def copy_source(path: Path, target: Path, origin: str) -> None:
    """Copy a path source to ``target``: an archive whole, a directory as the files its tree hash
    covers (:func:`ayon_conda.pin.source_archives.iter_tree`), so the copy hashes the same."""
    if path.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        return
    for rel, file in iter_tree(path, origin):
        dest = target.joinpath(*rel.parts)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(file, dest)


def wheelhouse_name(name: str, version: str, location: str) -> str:
    """Where a wheelhouse keeps an addon's source archive (``ayon-conda fetch`` puts it there)."""
    return f"addons/{name}-{version}-{Path(urlparse(location).path).name}"


class Sources:
    """Fetches addon trees into the cache, verified by sha256."""

    def __init__(
        self,
        progress: Progress,
        *,
        offline: bool = False,
        server: AyonServer | None = None,
        wheelhouse: Path | None = None,
        cache: Path | None = None,
    ) -> None:
        self.progress = progress
        self.offline = offline
        self.wheelhouse = wheelhouse
        self.server = server
        self.cache = cache or cache_dir()
        self._connection = None
        self._opened: dict[tuple[str, ...], Path] = {}  # checked trees: each source is checked once

    # -- pin: configured source -> (locked source, tree) ----------------------------------------
    def pin(self, addon: AddonConfig, version: str) -> tuple[AddonSource, Path]:
        rule = addon.source
        location, strip = rule.render(version)
        known = (rule.known_sha256 or {}).get(version)
        origin = f"addon {addon.name} {version} ({location})"
        if rule.kind == "path":
            path = Path(location)
            sha = self._path_sha256(path, origin)
            if known and sha != known:
                raise download.mismatch(origin, known, sha)
            kept = self._keep(path, path_source_path(sha, path.name, self.cache), origin)
            tree = kept if kept.is_dir() else self._extract(kept, sha, origin, strip)
            return AddonSource("path", path.name, sha, strip), tree
        archive, sha = self._fetch(addon.name, version, rule.kind, location, known, origin)
        into = "client" if rule.kind == "server" else None
        tree = self._extract(archive, sha, origin, strip, into)
        if rule.kind == "server":
            self._server_pyproject(addon.name, version, tree)
        return AddonSource(rule.kind, location, sha, strip), tree

    # -- build: locked source -> verified tree -------------------------------------------------
    def archive(self, addon: LockedAddon) -> Path:
        """The verified archive of a locked source: a file, or for a path source its directory."""
        src = addon.source
        origin = f"addon {addon.name} {addon.version} ({src.location})"
        if src.kind == "path":
            path = self._kept_path_source(addon, origin)
            actual = self._path_sha256(path, origin)
            if actual != src.sha256:
                raise download.mismatch(f"{origin} at {path}", src.sha256, actual)
            return path
        archive, _ = self._fetch(addon.name, addon.version, src.kind, src.location, src.sha256, origin)
        actual = sha256_file(archive)  # the cache and wheelhouse are checked too, not trusted
        if actual != src.sha256:
            raise download.mismatch(str(archive), src.sha256, actual)
        return archive

    def open(self, addon: LockedAddon) -> Path:
        """The verified addon tree of a locked source (checked once per source)."""
        src = addon.source
        key = (addon.name, addon.version, src.kind, src.location, src.sha256, src.strip or "")
        if key not in self._opened:
            self._opened[key] = self._open(addon)
        return self._opened[key]

    def _open(self, addon: LockedAddon) -> Path:
        src = addon.source
        origin = f"addon {addon.name} {addon.version} ({src.location})"
        archive = self.archive(addon)
        if archive.is_dir():
            return archive
        return self._extract(archive, src.sha256, origin, src.strip, "client" if src.kind == "server" else None)

    # -- helpers -------------------------------------------------------------------------------
    def _kept_path_source(self, addon: LockedAddon, origin: str) -> Path:
        """Where a locked path source is: in the wheelhouse, else in the cache (put there by pin)."""
        src = addon.source
        candidates = [self.wheelhouse / wheelhouse_name(addon.name, addon.version, src.location)] if self.wheelhouse else []
        candidates.append(path_source_path(src.sha256, src.location, self.cache))
        for candidate in candidates:
            if candidate.exists():
                return candidate
        where = "the wheelhouse nor the cache" if self.wheelhouse else "the cache (no --wheelhouse)"
        raise AyonCondaError(origin, f"this path source (sha256 {src.sha256[:12]}...) is in neither {where}",
                             "pin again here, or build with --wheelhouse filled by ayon-conda fetch where it was pinned")

    @staticmethod
    def _keep(path: Path, target: Path, origin: str) -> Path:
        """A copy of a path source (directory or archive) at ``target``, made once (atomically)."""
        if target.exists():
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".partial-", dir=target.parent)) / target.name
        try:
            copy_source(path, tmp, origin)
            try:
                os.replace(tmp, target)
            except OSError:  # another pin kept the same content meanwhile
                if not target.exists():
                    raise
        finally:
            shutil.rmtree(tmp.parent, ignore_errors=True)
        return target

    @staticmethod
    def _path_sha256(path: Path, origin: str) -> str:
        if path.is_dir():
            return tree_sha256(path, origin)
        if path.is_file():
            return sha256_file(path)
        raise AyonCondaError(origin, "no such file or directory", "fix the path in the component config")

    def _fetch(
        self, name: str, version: str, kind: str, location: str, sha256: str | None, origin: str
    ) -> tuple[Path, str]:
        filename = Path(urlparse(location).path).name or "source"
        if sha256:
            for candidate in (
                self.wheelhouse / wheelhouse_name(name, version, location) if self.wheelhouse else None,
                download_path(sha256, filename, self.cache),
            ):
                if candidate is not None and candidate.is_file():
                    return candidate, sha256
        if self.offline:
            raise AyonCondaError(origin, "not in the download cache and --offline is set", "build once with network access")
        if kind == "url":
            return download.fetch(location, filename, sha256, self.progress, self.cache)
        return self._fetch_from_server(name, version, location, sha256, origin)

    def _con(self, origin: str):
        if self.server is None:
            raise AyonCondaError(origin, "comes from an AYON server but none is given", "pass --server URL or set AYON_SERVER_URL")
        if self._connection is None:
            self._connection = self.server.connect()
        return self._connection

    def _fetch_from_server(
        self, name: str, version: str, filename: str, sha256: str | None, origin: str
    ) -> tuple[Path, str]:
        con = self._con(origin)
        self.progress.step(f"Downloading {name} {version} {filename} from {self.server.url}")
        with tempfile.TemporaryDirectory(dir=self._partial_dir()) as tmp:
            try:
                got = Path(con.download_addon_private_file(name, version, filename, tmp))
            except Exception as exc:  # requests/ayon_api errors; the type and text are enough
                raise AyonCondaError(origin, f"cannot download from the server ({exc})", "check the addon is on the server") from None
            actual = sha256_file(got)
            if sha256 and actual != sha256:
                raise download.mismatch(origin, sha256, actual)
            final = download_path(actual, filename, self.cache)
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(got, final)
        return final, actual

    def _server_pyproject(self, name: str, version: str, tree: Path) -> None:
        """Put the server's private pyproject.toml (its client dependencies) into the tree."""
        target = tree / "client" / "pyproject.toml"
        if target.exists():
            return
        con = self._con(f"addon {name} {version}")
        with tempfile.TemporaryDirectory(dir=self._partial_dir()) as tmp:
            try:
                got = con.download_addon_private_file(name, version, "pyproject.toml", tmp)
            except Exception:
                return  # addons without client dependencies have no pyproject.toml
            shutil.copyfile(got, target)

    def _partial_dir(self) -> Path:
        path = self.cache / "partial"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def _extract(self, archive: Path, sha256: str, origin: str, strip: str | None, into: str | None = None) -> Path:
        tree = tree_path(sha256, self.cache)
        if not tree.is_dir():
            safe_extract(archive, tree, origin=origin, strip=strip, into=into)
        return tree
