"""``ayon-conda export``: a lock's publish environment for farms without conda.

Deadline 10 with a uv-based plugin, or HPS workers, have Python and uv but no conda. ``export``
writes what such a worker installs, offline::

    DIR/requirements.txt   every vendored distribution and compiled dependency of the lock, pinned
                           to its version and sha256, and the package's own wheel, pinned likewise
    DIR/wheelhouse/        the vendored wheels and the package's own wheel

    uv venv ayon-env
    uv pip install --python ayon-env --require-hashes --offline --no-index \\
        --find-links DIR/wheelhouse -r DIR/requirements.txt

The package's own wheel (``ayon_publish-<version>-py3-none-any.whl``) holds what the conda package
holds except the vendored libraries, which come from the requirements instead: the ``ayon``
bootstrap, ``build_info.json`` and the baked addons in AYON's layout, staged by the same code as
every backend, and the ``ayon`` console script. So ``ayon --version`` and ``ayon --self-check``
answer exactly as in the conda environment. Compiled dependencies (conda run requirements) are
pinned with the hashes of their Linux and Windows wheels; put the wheels for the worker's platform
into the wheelhouse (``pip download --only-binary=:all: ...``, see the README).

The wheel is written here rather than with pypa/wheel's ``WheelFile``, which stamps ``RECORD`` with
the current time unless ``SOURCE_DATE_EPOCH`` is set in the environment: requirements.txt pins the
wheel's sha256, so its bytes must follow from the lock alone.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path

from ayon_conda import __version__
from ayon_conda.build.build_lock import BuildOptions, fetch_and_stage
from ayon_conda.build.conda_archive import tree_files
from ayon_conda.build.lock_packages import Package, packages
from ayon_conda.build.stage import ENTRY_POINT, PACKAGE_DIR
from ayon_conda.build.vendored_wheels import fetch_wheels
from ayon_conda.cache import sha256_file
from ayon_conda.errors import AyonCondaError
from ayon_conda.pin.lock import Lock
from ayon_conda.reproducible_zip import zip_entry

FORMATS = ("requirements",)
DIST_NAME = "ayon-publish"


@dataclass(frozen=True)
class ExportResult:
    output_dir: Path
    requirements: Path
    wheel: Path
    wheel_sha256: str
    compiled: tuple[str, ...]  # requirements whose wheels the wheelhouse does not hold

    def to_dict(self) -> dict:
        return {"output_dir": str(self.output_dir), "requirements": str(self.requirements), "wheel": str(self.wheel),
                "wheel_sha256": self.wheel_sha256, "compiled": list(self.compiled)}


def wheel_version(package: Package) -> str:
    """The pin as a PEP 440 version: the core version's release numbers, the rest of it and the
    build string as a local label.

    >>> from ayon_publish_submit.pin_scheme import Pin
    >>> class P: pin = Pin.for_addons("ayon-publish", {"core": "1.9.0-sample.1"}, 2)
    >>> wheel_version(P)
    '1.9.0+sample.1.pyhccdb1eb4.2'
    """
    pin = package.pin
    match = re.match(r"\d+(\.\d+)*", pin.version)
    release = match.group(0) if match else "0"
    rest = re.sub(r"[^A-Za-z0-9]+", ".", pin.version[len(release):]).strip(".")
    local = ".".join(part for part in (rest, pin.build_prefix, str(pin.build_number)) if part)
    return f"{release}+{local}"


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")


def _metadata(package: Package, version: str) -> str:
    lock = package.lock
    requires = [f"Requires-Dist: {d.name}=={d.version}" for d in lock.vendored]
    requires += [f"Requires-Dist: {r.pypi_name}=={r.version}" for r in lock.conda_requirements]
    return "\n".join([
        "Metadata-Version: 2.1", f"Name: {DIST_NAME}", f"Version: {version}",
        f"Summary: {package.summary}", f"License: {lock.package.license}",
        f"Requires-Python: {lock.package.python}", *requires,
    ]) + "\n"


def write_wheel(package: Package, staged_package_dir: Path, out_dir: Path, epoch: int) -> Path:
    """The package's own wheel, from a staged ``ayon_publish`` directory; reproducible bytes."""
    version = wheel_version(package)
    dist_info = f"{DIST_NAME.replace('-', '_')}-{version}.dist-info"
    files: list[tuple[str, bytes]] = [
        (f"{PACKAGE_DIR}/{rel}", (staged_package_dir / rel).read_bytes()) for rel in tree_files(staged_package_dir)
    ]
    name, _, target = (part.strip() for part in ENTRY_POINT.partition("="))
    files += [
        (f"{dist_info}/METADATA", _metadata(package, version).encode()),
        (f"{dist_info}/WHEEL", f"Wheel-Version: 1.0\nGenerator: ayon-conda {__version__}\n"
                               "Root-Is-Purelib: true\nTag: py3-none-any\n".encode()),
        (f"{dist_info}/entry_points.txt", f"[console_scripts]\n{name} = {target}\n".encode()),
    ]
    record = "".join(f"{path},{_record_hash(data)},{len(data)}\n" for path, data in files) + f"{dist_info}/RECORD,,\n"
    files.append((f"{dist_info}/RECORD", record.encode()))
    path = out_dir / f"{DIST_NAME.replace('-', '_')}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for arcname, data in files:
            zf.writestr(zip_entry(arcname, epoch, compress=zipfile.ZIP_DEFLATED), data)
    return path


def _pinned(name: str, version: str, hashes: list[str] | tuple[str, ...]) -> str:
    return " \\\n    ".join([f"{name}=={version}", *(f"--hash=sha256:{h}" for h in hashes)]) + "\n"


def requirements_text(package: Package, wheel: Path, wheel_sha256: str) -> str:
    lock, pin = package.lock, package.pin
    for req in lock.conda_requirements:
        if not req.wheel_sha256:
            raise AyonCondaError(lock.path or "lock", f"the compiled dependency {req.pypi_name} has no wheel hashes",
                                 "the lock predates them: run ayon-conda pin again")
    head = [
        f"# {pin.exact_spec} (bundle {lock.bundle.get('name')}) for farms without conda:",
        "# written by ayon-conda export from the lock; every line is pinned to its sha256.",
        "#   uv pip install --require-hashes --offline --no-index --find-links wheelhouse -r requirements.txt",
    ]
    body = [_pinned(d.name, d.version, [d.sha256]) for d in lock.vendored]
    body += [_pinned(r.pypi_name, r.version, r.wheel_sha256) for r in lock.conda_requirements]
    body.append(_pinned(DIST_NAME, wheel_version(package), [wheel_sha256]))
    return "\n".join(head) + "\n" + "".join(body)


def export(lock: Lock, output_dir: Path, options: BuildOptions, fmt: str = "requirements") -> ExportResult:
    """Write ``output_dir`` (which must be new or empty) for the lock's full package, atomically."""
    if fmt not in FORMATS:
        raise AyonCondaError(fmt, "unknown export format", f"choose one of: {', '.join(FORMATS)}")
    output_dir = Path(output_dir)
    if output_dir.exists() and (not output_dir.is_dir() or any(output_dir.iterdir())):
        raise AyonCondaError(output_dir, "exists and is not an empty directory", "choose a new --output-dir")
    package = replace(packages(lock)[0], vendored=False)  # the libraries come from the requirements
    progress = options.progress
    try:
        output_dir.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{output_dir.name}.", suffix=".partial", dir=output_dir.parent))
    except OSError as exc:
        raise AyonCondaError(output_dir, f"cannot write there ({exc.strerror})", "choose a writable --output-dir") from None
    try:
        wheelhouse = work / "wheelhouse"
        wheelhouse.mkdir()
        with tempfile.TemporaryDirectory(prefix="ayon-conda-export-") as tmp:
            tree, _ = fetch_and_stage(package, Path(tmp) / "site-packages", options)
            wheel = write_wheel(package, tree.package_dir, wheelhouse, options.epoch(lock))
        for path in fetch_wheels(lock, progress, wheelhouse=options.wheelhouse, offline=options.offline,
                                 cache=options.cache).values():
            shutil.copyfile(path, wheelhouse / path.name)
        wheel_sha256 = sha256_file(wheel)
        (work / "requirements.txt").write_text(requirements_text(package, wheel, wheel_sha256), encoding="utf-8")
        if output_dir.exists():
            output_dir.rmdir()  # empty, checked above
        os.replace(work, output_dir)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    compiled = tuple(f"{r.pypi_name}=={r.version}" for r in lock.conda_requirements)
    progress.step(f"Wrote {output_dir / 'requirements.txt'} and {len(lock.vendored) + 1} wheels")
    return ExportResult(output_dir, output_dir / "requirements.txt", output_dir / "wheelhouse" / wheel.name,
                        wheel_sha256, compiled)
