"""Worker side of option C: on activation, sync the bundle's addons from S3 into a node-local cache.

The activation scripts of ``ayon-publish-core`` (``etc/conda/activate.d/`` and ``deactivate.d/``,
for bash/sh, cmd.exe and PowerShell) stay thin and run::

    python -m ayon_publish.addon_sync activate --shell bash|cmd|powershell
    python -m ayon_publish.addon_sync deactivate --shell bash|cmd|powershell

which print the environment changes as code of that shell (:mod:`ayon_publish.shell_env`).

Environment:

``AYON_ADDONS_S3_URI``
    where ``ayon-conda addons upload`` put the addons (:mod:`ayon_publish.addon_store`): a prefix
    the studio chooses outside the job attachments root, which queue roles can only read (the
    starter farm's queue roles may write anywhere under that root). ``job-attachments`` selects
    the former default, ``s3://$DEADLINE_JA_S3_BUCKET/$DEADLINE_JA_ROOT_PREFIX/ayon``, from the
    variables worker agents export from 0.29.1 on. Unset: nothing happens, silently (and ``ayon``
    says so if the job's command needs an addon that is then missing).
``AYON_BUNDLE_NAME``
    the bundle whose addons are synced; required once the sync is configured. There is no
    default: the package's spec names only the core version, so the package a job gets may have
    been built from another bundle with the same core, and its addons would be the wrong ones.
    Set it in the environment of the activation, e.g. from a job parameter in a queue
    environment that runs before the Conda one.
``AYON_ADDONS_CACHE_DIR``
    the node-local cache; default a per-user cache directory (``$XDG_CACHE_HOME`` or
    ``~/.cache`` ``/ayon-publish`` on Linux, ``%LOCALAPPDATA%\\ayon-publish\\Cache`` on Windows),
    never the session directory, so that later sessions on the node reuse it. Computed here by
    hand: platformdirs is not a requirement of the worker environment.
AWS credentials and ``AWS_ENDPOINT_URL`` / ``AWS_ENDPOINT_URL_S3``
    boto3's standard chain (on Deadline Cloud the queue role's ``AWS_PROFILE``); an endpoint
    selects an S3-compatible store, with path-style addressing.

On success ``AYON_ADDONS_DIR`` points at ``<cache>/addons``, and ``AYON_ADDONS_PYTHONPATH`` lists
the directories of the synced addons' pure-Python dependencies (``<cache>/python/<sha256>``, one
per wheel, shared by every addon and bundle that lists the same bytes), which the ``ayon``
bootstrap alone puts on ``sys.path`` (not ``PYTHONPATH``: the environment's other programs never
see them). A dependency ``ayon-publish-core`` vendors is not synced; a compiled one (a conda
package) must be installed in the environment. ``AYON_ADDONS_DIR``, which holds AYON's
``{name}_{version}`` directories of every bundle synced on the node (like the AYON launcher's own
addons directory: ayon-core loads only the versions its bundle names). Deactivation restores
what was there. The addons the package bakes are not synced: the bundle must use the same
version (for ayon-core, the package's version), and the ``ayon`` bootstrap imports the baked one.

Flow. A bundle's manifest never changes (append-only), so when it is cached and every addon
directory holds the archive sha256 it names, activation is done without any S3 request (and
without importing boto3): a warm cache works with S3 unreachable. Otherwise, under a file lock on
the cache (several sessions may activate at once), it fetches what is missing: the manifest,
then each archive, checked against the manifest's sha256 before it is extracted (all entries
checked first: no absolute, ``..`` or link entries; :mod:`ayon_publish.safe_archive`) into a
temporary directory that is renamed into place. Nothing half-written ever appears under
``addons/``; temporary files are removed on failure, and by the next lock holder after a crash.

Failure (bucket missing, no credentials, checksum mismatch, unknown bundle, ...) prints one line
on stderr, appends it to ``<cache>/logs/activate.log`` (queue environments may drop the stderr
of activation scripts) and sets ``AYON_ADDONS_SYNC_ERROR``, which makes the ``ayon`` command
refuse to run with that line. The activation itself always exits 0: under a queue environment
that runs with ``set -euo pipefail``, a failing activation would end the whole session (and the
console sample's error trap cleans the node's conda caches); ``ayon`` is the one that fails. Python 3.9 compatible; boto3 is the only import beyond the standard library.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Sequence

from ayon_publish import addon_store, names, shell_env
from ayon_publish.addon_store import AddonEntry, ManifestError, PythonDep
from ayon_publish.file_lock import FileLock, LockTimeout

URI_VAR = "AYON_ADDONS_S3_URI"
#: The value of URI_VAR that selects the store below the job attachments root (the former default).
JOB_ATTACHMENTS = "job-attachments"
PYTHONPATH_VAR = "AYON_ADDONS_PYTHONPATH"
CACHE_VAR = "AYON_ADDONS_CACHE_DIR"
BUNDLE_VAR = "AYON_BUNDLE_NAME"
ERROR_VAR = "AYON_ADDONS_SYNC_ERROR"
ADDONS_DIR_VAR = "AYON_ADDONS_DIR"
JA_BUCKET_VAR = "DEADLINE_JA_S3_BUCKET"
JA_PREFIX_VAR = "DEADLINE_JA_ROOT_PREFIX"
#: With URI_VAR=job-attachments: below the job attachments root prefix (beside its Data/ and Manifests/).
JA_SUBPREFIX = "ayon"

BUILD_INFO = Path(__file__).resolve().parent / "build_info.json"
PACKAGE = "ayon-publish-core"  # for messages when build_info.json cannot be read
MARKER = ".ayon-addon-sync.json"  # in each addon dir; a dot in the name: AYON never imports it
LOCK_TIMEOUT = 900.0
LOG_LIMIT = 1 << 20

_CACHE_FIX = f"set {CACHE_VAR} to a writable node-local directory"
_REUPLOAD = "upload the bundle's addons again with 'ayon-conda addons upload'"
_CHANGED = "the object was changed or corrupted in S3: restore it, or publish a new addon version"


class SyncError(Exception):
    """A failure to report as one line: what it is about, what is wrong, what to do."""

    def __init__(self, subject: str, problem: str, fix: str) -> None:
        self.line = names.one_line(f"{subject}: {problem}; {fix}")  # values from outside never break it
        super().__init__(self.line)


class Settings(NamedTuple):
    bucket: str
    prefix: str
    bundle: str
    cache: Path
    endpoint_url: Optional[str]

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"

    def key(self, rel: str) -> str:
        return f"{self.prefix}/{rel}" if self.prefix else rel

    def url(self, rel: str) -> str:
        return f"s3://{self.bucket}/{self.key(rel)}"


class SyncResult(NamedTuple):
    bundle: str
    addons: List[AddonEntry]  # synced (the baked ones are not)
    downloaded: List[AddonEntry]
    addons_dir: Path
    python_path: List[Path]  # the synced addons' dependency directories, for ayon's sys.path


# -- settings ----------------------------------------------------------------------------------
def is_configured(environ: Mapping[str, str]) -> bool:
    return bool(environ.get(URI_VAR))


def default_cache_dir(environ: Mapping[str, str]) -> Path:
    """The per-user cache directory, as platformdirs would name it."""
    if os.name == "nt":
        base = environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "ayon-publish" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "ayon-publish"
    xdg = environ.get("XDG_CACHE_HOME", "")
    return Path(xdg if os.path.isabs(xdg) else Path.home() / ".cache") / "ayon-publish"


def cache_dir(environ: Mapping[str, str]) -> Path:
    return Path(environ[CACHE_VAR]) if environ.get(CACHE_VAR) else default_cache_dir(environ)


def settings_from_env(environ: Mapping[str, str]) -> Settings:
    """Where to sync from, which bundle, into which cache (call only when configured)."""
    uri = environ.get(URI_VAR, "")
    origin = URI_VAR
    if uri == JOB_ATTACHMENTS:
        if not environ.get(JA_BUCKET_VAR):
            raise SyncError(f"{URI_VAR}={JOB_ATTACHMENTS}", f"{JA_BUCKET_VAR} is not set (worker agents export it from "
                            "0.29.1 on)", f"upgrade the worker agent, or set {URI_VAR} to the s3:// URI of the store")
        root = environ.get(JA_PREFIX_VAR, "").strip("/")
        uri = f"s3://{environ[JA_BUCKET_VAR]}/{root + '/' if root else ''}{JA_SUBPREFIX}"
        origin = f"{URI_VAR}={JOB_ATTACHMENTS} ({JA_BUCKET_VAR}/{JA_PREFIX_VAR})"
    bucket, _, prefix = uri[len("s3://"):].partition("/") if uri.startswith("s3://") else ("", "", "")
    if not bucket:
        raise SyncError(f"{origin}={uri}", f"not an s3://bucket/prefix URI (or {JOB_ATTACHMENTS})", f"fix {URI_VAR}")
    bundle = environ.get(BUNDLE_VAR, "")
    if not bundle:
        raise SyncError(BUNDLE_VAR, f"is not set, and the addons synced from {uri} depend on the bundle",
                        "set it to the job's AYON bundle in the environment that activates (e.g. from a job "
                        "parameter, in a queue environment that runs before the Conda one)")
    try:
        names.bundle_name(bundle, "bundle name")
    except names.InvalidName as exc:
        raise SyncError(BUNDLE_VAR, str(exc), f"set {BUNDLE_VAR} to the name of an AYON bundle") from None
    endpoint = environ.get("AWS_ENDPOINT_URL_S3") or environ.get("AWS_ENDPOINT_URL") or None
    return Settings(bucket, prefix.strip("/"), bundle, cache_dir(environ), endpoint)


# -- the cache ---------------------------------------------------------------------------------
class Cache:
    """``addons/`` (AYON_ADDONS_DIR), ``python/`` (their dependencies), ``manifests/``, ``tmp/``,
    ``sync.lock``, ``logs/``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.addons_dir = root / "addons"
        self.python_dir = root / "python"
        self.tmp_dir = root / "tmp"
        self.lock_path = root / "sync.lock"
        self.log_path = root / "logs" / "activate.log"

    def manifest_path(self, settings: Settings) -> Path:
        where = hashlib.sha256(settings.uri.encode("utf-8")).hexdigest()[:16]
        return self.root / "manifests" / where / f"{settings.bundle}.json"

    def cached_manifest(self, settings: Settings) -> Optional[List[AddonEntry]]:
        """The bundle's cached manifest; None when there is none (or it is unreadable)."""
        try:
            return addon_store.parse_bundle_manifest(self.manifest_path(settings).read_bytes(), settings.bundle)
        except (OSError, ManifestError):
            return None

    def save_manifest(self, settings: Settings, data: bytes) -> None:
        path = self.manifest_path(settings)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.tmp_dir)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)

    def is_current(self, entry: AddonEntry) -> bool:
        """True when the addon's directory holds the archive the manifest names."""
        try:
            marker = json.loads((self.addons_dir / entry.dir_name / MARKER).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return isinstance(marker, dict) and marker.get("sha256") == entry.sha256

    def wheel_dir(self, dep: PythonDep) -> Path:
        """Where a dependency's wheel is unpacked: named by its sha256, complete once it exists."""
        return self.python_dir / dep.sha256

    def is_complete(self, entry: AddonEntry) -> bool:
        """The addon and every dependency wheel it lists are in the cache."""
        return self.is_current(entry) and all(self.wheel_dir(d).is_dir() for d in entry.python)

    def prepare(self) -> None:
        """Create the layout and clear what a crashed sync left in ``tmp/`` (hold the lock)."""
        self.addons_dir.mkdir(parents=True, exist_ok=True)
        if self.tmp_dir.is_dir():
            for leftover in self.tmp_dir.iterdir():
                if leftover.is_dir():
                    shutil.rmtree(leftover, ignore_errors=True)
                else:
                    leftover.unlink()
        self.tmp_dir.mkdir(exist_ok=True)

    def install(self, entry: AddonEntry, archive: Path, url: str, work: Path) -> None:
        """Extract a verified archive and rename it into ``addons/`` (hold the lock)."""
        from ayon_publish.safe_archive import UnsafeArchive, extract

        tree = work / "tree"
        try:
            extract(archive, tree)
        except UnsafeArchive as exc:
            raise SyncError(url, exc.problem, "the archive is unsafe: check who can write to the bucket, then "
                            + _REUPLOAD) from None
        if not (tree / entry.client_dir).is_dir():
            raise SyncError(url, f"has no {entry.client_dir}/ directory at its top", _REUPLOAD)
        marker = {"name": entry.name, "version": entry.version, "sha256": entry.sha256, "archive": url}
        (tree / MARKER).write_text(json.dumps(marker, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        final = self.addons_dir / entry.dir_name
        if final.exists():  # another archive under the same name (another bucket or prefix): replace it
            os.replace(final, work / "replaced")
        os.replace(tree, final)

    def install_wheel(self, dep: PythonDep, wheel: Path, url: str) -> None:
        """Unpack a verified pure-Python wheel into :meth:`wheel_dir` (all or nothing)."""
        from ayon_publish.safe_archive import UnsafeArchive, extract

        try:
            extract(wheel, self.wheel_dir(dep))
        except UnsafeArchive as exc:
            raise SyncError(url, exc.problem, "the wheel is unsafe: check who can write to the bucket, then "
                            + _REUPLOAD) from None

    def log(self, message: str) -> None:
        """Append one line to the activation log (best effort: it must never fail activation)."""
        try:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            if self.log_path.is_file() and self.log_path.stat().st_size > LOG_LIMIT:
                os.replace(self.log_path, self.log_path.with_name(self.log_path.name + ".1"))
            stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            with open(self.log_path, "a", encoding="utf-8") as fh:
                fh.write(f"{stamp} pid={os.getpid()} {message}\n")
        except OSError:
            pass


# -- S3 ----------------------------------------------------------------------------------------
class Remote:
    """Reads the bucket with boto3 (imported on first use: a warm activation never needs it).

    The error lines are the worker's own rather than ``ayon_conda.s3.explain``'s: shipped code
    cannot import the pipeline, and a worker's fixes are environment variables and IAM, not
    command-line options.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._client: Any = None

    def client(self) -> Any:
        if self._client is None:
            import boto3
            from botocore.config import Config

            endpoint = self.settings.endpoint_url
            config = Config(
                s3={"addressing_style": "path"} if endpoint else {},
                retries={"max_attempts": 3, "mode": "standard"},
                connect_timeout=10,
                read_timeout=60,
            )
            self._client = boto3.session.Session().client("s3", endpoint_url=endpoint, config=config)
        return self._client

    def read(self, rel: str, missing: SyncError) -> bytes:
        """The bytes of an object; ``missing`` is raised when it does not exist."""
        try:
            return self.client().get_object(Bucket=self.settings.bucket, Key=self.settings.key(rel))["Body"].read()
        except Exception as exc:  # botocore raises many kinds; _explain names them
            raise self._explain(exc, rel, missing) from None

    def download(self, rel: str, dest: Path, missing: SyncError) -> tuple[str, int]:
        """Stream an object into ``dest``; returns its (sha256, size)."""
        digest, size = hashlib.sha256(), 0
        try:
            body = self.client().get_object(Bucket=self.settings.bucket, Key=self.settings.key(rel))["Body"]
            with open(dest, "wb") as out:
                for chunk in body.iter_chunks(1 << 20):
                    out.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
        except OSError as exc:
            raise SyncError(str(dest), f"cannot write the download ({exc.strerror})", _CACHE_FIX) from None
        except Exception as exc:
            raise self._explain(exc, rel, missing) from None
        return digest.hexdigest(), size

    def _explain(self, exc: Exception, rel: str, missing: SyncError) -> SyncError:
        from botocore.exceptions import (
            ClientError,
            ConnectionError as BotoConnectionError,
            NoCredentialsError,
            PartialCredentialsError,
        )

        url = self.settings.url(rel)
        if isinstance(exc, (NoCredentialsError, PartialCredentialsError)):
            return SyncError(url, "no AWS credentials found",
                             "run with the queue's role (AWS_PROFILE) or credentials that can read this prefix")
        if isinstance(exc, BotoConnectionError):
            where = self.settings.endpoint_url or "AWS"
            return SyncError(url, f"cannot reach S3 ({where}) and the addons are not all in the cache",
                             "check the worker's network and AWS_ENDPOINT_URL")
        if isinstance(exc, ClientError):
            code = str(exc.response.get("Error", {}).get("Code", ""))
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if code == "NoSuchBucket":
                return SyncError(url, "the bucket does not exist", f"check {URI_VAR} (or {JA_BUCKET_VAR})")
            if code in ("NoSuchKey", "404") or status == 404:
                return missing
            if code in ("AccessDenied", "403") or status == 403:
                return SyncError(url, "access denied",
                                 "the worker's role needs s3:GetObject on the prefix (and s3:ListBucket on the bucket)")
            if code in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken"):
                return SyncError(url, f"the AWS credentials were refused ({code})", "refresh or fix the credentials")
            return SyncError(url, f"S3 error {code or status}", "check the bucket and the worker's access")
        return SyncError(url, f"S3 request failed ({type(exc).__name__}: {exc})", "check the network and the endpoint")


# -- the sync ----------------------------------------------------------------------------------
def addons_to_sync(entries: Sequence[AddonEntry], baked: Mapping[str, str], bundle: str, package: str) -> List[AddonEntry]:
    """The manifest's addons minus those the package bakes, which must be the same versions."""
    wanted = []
    for entry in entries:
        if entry.name not in baked:
            wanted.append(entry)
        elif baked[entry.name] != entry.version:
            raise SyncError(
                f"bundle '{bundle}'", f"uses {entry.name} {entry.version} but this environment's {package} has "
                f"{entry.name} {baked[entry.name]}", f"install the {package} package built for {entry.name} {entry.version}",
            )
    return wanted


def python_deps(wanted: Sequence[AddonEntry], vendored: Mapping[str, str], prefix: Optional[str],
                package: str) -> List[PythonDep]:
    """The dependency wheels ``ayon`` needs besides the package's own, after checking that each
    compiled dependency is a conda package of the environment at ``prefix`` and that no wheel
    would be shadowed by another version the package vendors (which ``ayon`` imports first)."""
    installed = conda_packages(prefix) if any(e.conda for e in wanted) else {}  # warm activations stay cheap
    needed: Dict[str, PythonDep] = {}
    for entry in wanted:
        for conda in entry.conda:
            if installed.get(conda.conda_name) != conda.version:
                has = f"has {conda.conda_name} {installed[conda.conda_name]}" if conda.conda_name in installed else \
                    f"has no {conda.conda_name}"
                raise SyncError(f"addon {entry.name} {entry.version}", f"needs the compiled {conda.name} {conda.version} "
                                f"(conda package {conda.conda_name} =={conda.version}) and this environment {has}",
                                f"add '{conda.conda_name}=={conda.version}' to the environment's conda packages")
        for dep in entry.python:
            if dep.name in vendored:
                if vendored[dep.name] != dep.version:
                    raise SyncError(f"addon {entry.name} {entry.version}", f"needs {dep.name} {dep.version} and this "
                                    f"environment's {package} vendors {dep.name} {vendored[dep.name]}, which ayon imports "
                                    "first", f"upload the addon with the component config the package was pinned with, "
                                    f"or bake the addon (ayon-conda pin --addon {entry.name})")
                continue
            needed.setdefault(dep.sha256, dep)
    return sorted(needed.values(), key=lambda d: (d.name, d.sha256))


def conda_packages(prefix: Optional[str]) -> Dict[str, str]:
    """name -> version of the conda packages installed at ``prefix`` (its ``conda-meta/``)."""
    found: Dict[str, str] = {}
    for record in sorted(Path(prefix).glob("conda-meta/*.json")) if prefix else ():
        try:
            meta = json.loads(record.read_text(encoding="utf-8"))
            found[str(meta["name"])] = str(meta["version"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return found


def sync(settings: Settings, baked: Mapping[str, str], package: str, vendored: Optional[Mapping[str, str]] = None,
         prefix: Optional[str] = None) -> SyncResult:
    """Make ``<cache>/addons`` hold every addon of the bundle, and ``<cache>/python`` their
    dependencies; see the module docstring. ``vendored``: what the package vendors (name ->
    version); ``prefix``: the conda environment, whose packages compiled dependencies must be."""
    vendored = vendored or {}
    cache = Cache(settings.cache)
    cached = cache.cached_manifest(settings)
    if cached is not None:
        wanted = addons_to_sync(cached, baked, settings.bundle, package)
        deps = python_deps(wanted, vendored, prefix, package)
        if cache.addons_dir.is_dir() and all(cache.is_complete(e) for e in wanted):
            return SyncResult(settings.bundle, wanted, [], cache.addons_dir, [cache.wheel_dir(d) for d in deps])
    try:
        settings.cache.mkdir(parents=True, exist_ok=True)
        with FileLock(cache.lock_path, LOCK_TIMEOUT):
            cache.prepare()
            return _sync_locked(settings, cache, baked, package, vendored, prefix)
    except LockTimeout:
        raise SyncError(str(cache.lock_path), f"another activation has held the cache lock for {LOCK_TIMEOUT:.0f} s",
                        "look for a hung session on this worker") from None
    except OSError as exc:
        raise SyncError(str(settings.cache), f"cannot write the addon cache ({exc.strerror or exc})", _CACHE_FIX) from None


def _sync_locked(settings: Settings, cache: Cache, baked: Mapping[str, str], package: str,
                 vendored: Mapping[str, str], prefix: Optional[str]) -> SyncResult:
    remote = Remote(settings)
    manifest_key = addon_store.bundle_manifest_key(settings.bundle)
    entries = cache.cached_manifest(settings)  # again: another session may have synced meanwhile
    data = None
    if entries is None:
        unknown = SyncError(settings.url(manifest_key), f"bundle '{settings.bundle}' has not been uploaded",
                            f"run 'ayon-conda addons upload' for it, or set {BUNDLE_VAR} to an uploaded bundle")
        data = remote.read(manifest_key, unknown)
        try:
            entries = addon_store.parse_bundle_manifest(data, settings.bundle)
        except ManifestError as exc:
            raise SyncError(settings.url(manifest_key), f"not a valid bundle manifest: {exc}", _REUPLOAD) from None
    wanted = addons_to_sync(entries, baked, settings.bundle, package)
    deps = python_deps(wanted, vendored, prefix, package)
    owner = {d.sha256: e for e in wanted for d in e.python}
    for dep in deps:
        if not cache.wheel_dir(dep).is_dir():
            _download_wheel(settings, cache, remote, owner[dep.sha256], dep)
    downloaded = []
    for entry in wanted:
        if cache.is_current(entry):
            continue
        url = settings.url(entry.archive)
        work = Path(tempfile.mkdtemp(prefix=f"{entry.dir_name}.", dir=cache.tmp_dir))
        try:
            archive = work / "archive.zip"
            missing = SyncError(url, f"the archive of {entry.name} {entry.version} is missing", _REUPLOAD)
            sha256, size = remote.download(entry.archive, archive, missing)
            if size != entry.size:
                raise SyncError(url, f"size mismatch (manifest {entry.size} bytes, downloaded {size})", _CHANGED)
            if sha256 != entry.sha256:
                raise SyncError(url, f"sha256 mismatch (manifest {entry.sha256}, downloaded {sha256})", _CHANGED)
            cache.install(entry, archive, url, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        downloaded.append(entry)
    if data is not None:
        cache.save_manifest(settings, data)
    return SyncResult(settings.bundle, wanted, downloaded, cache.addons_dir, [cache.wheel_dir(d) for d in deps])


def _download_wheel(settings: Settings, cache: Cache, remote: Remote, entry: AddonEntry, dep: PythonDep) -> None:
    """Fetch one dependency wheel of ``entry``, check it against the manifest and unpack it."""
    rel = entry.wheel(dep)
    url = settings.url(rel)
    work = Path(tempfile.mkdtemp(prefix=f"{dep.sha256[:16]}.", dir=cache.tmp_dir))
    try:
        wheel = work / dep.file
        missing = SyncError(url, f"the wheel {dep.file} of {entry.name} {entry.version} is missing", _REUPLOAD)
        sha256, size = remote.download(rel, wheel, missing)
        if size != dep.size:
            raise SyncError(url, f"size mismatch (manifest {dep.size} bytes, downloaded {size})", _CHANGED)
        if sha256 != dep.sha256:
            raise SyncError(url, f"sha256 mismatch (manifest {dep.sha256}, downloaded {sha256})", _CHANGED)
        cache.install_wheel(dep, wheel, url)
    finally:
        shutil.rmtree(work, ignore_errors=True)


# -- activation --------------------------------------------------------------------------------
def read_build_info() -> Dict[str, Any]:
    return json.loads(BUILD_INFO.read_text(encoding="utf-8"))


def activate(environ: Mapping[str, str], info: Mapping[str, Any], err: Any = None) -> shell_env.Changes:
    """Sync if configured; returns the environment changes. Reports failures on ``err``.

    Fails closed: any error, expected or not, sets :data:`ERROR_VAR` to one line.
    """
    err = err or sys.stderr
    if not is_configured(environ):
        return {}
    package = PACKAGE
    cache = Cache(cache_dir(environ))
    started = time.monotonic()
    try:
        package = info["package"]["name"]
        settings = settings_from_env(environ)
        baked = {name: addon["version"] for name, addon in info["addons"].items()}
        result = sync(settings, baked, package, info.get("vendored", {}), environ.get("CONDA_PREFIX") or sys.prefix)
        seconds = time.monotonic() - started
        dirs = " ".join(e.dir_name for e in result.addons) or "(none)"
        summary = f"bundle {result.bundle} from {settings.uri}: {dirs}"
        python_path = os.pathsep.join(str(p) for p in result.python_path) or None
        changes = shell_env.activation_changes(environ, {ADDONS_DIR_VAR: str(result.addons_dir), ERROR_VAR: None,
                                                         PYTHONPATH_VAR: python_path})
    except Exception as exc:  # one line for the user; a bug's traceback goes to the log
        line = exc.line if isinstance(exc, SyncError) else unexpected(package, exc)
        cache.log(f"error: {line}")
        if not isinstance(exc, SyncError):
            cache.log(traceback.format_exc().rstrip().replace("\n", "\n    "))
        print(f"error: {package} addon sync: {line}", file=err)
        return shell_env.activation_changes(environ, {ERROR_VAR: line})
    if result.downloaded:
        size = sum(e.size for e in result.downloaded) / 1e6
        summary += f"; downloaded {len(result.downloaded)} ({size:.1f} MB) in {seconds:.1f} s"
        print(f"{package}: synced {summary}", file=err)
    cache.log(f"ok: {summary}")
    return changes


def unexpected(package: str, exc: BaseException) -> str:
    """The one line of an error nobody planned for (a bug, a broken environment)."""
    return names.one_line(f"{package}: unexpected {type(exc).__name__}: {exc}; see {CACHE_VAR}/logs/activate.log "
                          "and report it")


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Exit 0 whatever happened (activation must never end a session); failures are in the output."""
    parser = argparse.ArgumentParser(
        prog="python -m ayon_publish.addon_sync",
        description="Sync the AYON bundle's addons from S3 on conda activation and print the environment "
        "changes as shell code (run by ayon-publish-core's activate.d/deactivate.d scripts).",
    )
    parser.add_argument("action", choices=("activate", "deactivate"))
    parser.add_argument("--shell", choices=shell_env.SHELLS, required=True, help="the shell that applies the output")
    args = parser.parse_args(argv)
    if args.action == "deactivate":
        text = shell_env.render(shell_env.deactivation_changes(os.environ), args.shell)
    else:
        text = _activate_failing_closed(args.shell)
    if text:
        print(text)
    return 0


def _activate_failing_closed(shell: str) -> str:
    """:func:`activate` rendered for ``shell``; whatever fails, the output still sets :data:`ERROR_VAR`."""
    try:
        return shell_env.render(activate(os.environ, read_build_info()), shell)
    except Exception as exc:  # fail closed: the environment still gets the error, whatever went wrong
        line = unexpected(PACKAGE, exc)
        print(f"error: {PACKAGE} addon sync: {line}", file=sys.stderr)
        return shell_env.render(shell_env.activation_changes({}, {ERROR_VAR: line}), shell)


if __name__ == "__main__":
    sys.exit(main())
