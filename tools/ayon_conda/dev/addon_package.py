"""Addon zips that an AYON server installs, built from an addon source tree (dev only).

The layout is what ayon-core's ``create_package.py`` writes and what ayon-backend's
``POST /api/addons/install`` unpacks: ``package.py`` (and ``LICENSE``) at the top, the server part
``server/...`` (and ``public/...``), and ``private/client.zip`` holding the client package as
``<client_dir>/...`` next to ``private/pyproject.toml``. ``create_package.py`` is part of every
addon repository, not a library, and writes machine-dependent zips; this one is deterministic
(sorted entries, fixed dates and modes, no ``__pycache__``), so the same tree gives the same
bytes and the AYON stand-in and the end-to-end tests serve exactly what a server would.

    python -m ayon_conda.dev.addon_package examples/addons/sample-ayon-deadline-cloud -o dist/addons
"""

from __future__ import annotations

import argparse
import ast
import io
import stat
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

from ayon_conda.pin.addon_tree import read_package_py
from ayon_conda.reproducible_zip import ZIP_EPOCH_MIN, zip_entry

#: Top-level directories of an addon tree that go into its zip as they are.
SERVER_DIRS = ("server", "public")


def _files(root: Path) -> Iterator[Path]:
    """Files under ``root`` in a stable order, without bytecode."""
    for path in sorted(root.rglob("*"), key=lambda p: p.relative_to(root).as_posix()):
        rel = path.relative_to(root)
        if path.is_file() and "__pycache__" not in rel.parts and path.suffix != ".pyc":
            yield path


def _add(zf: zipfile.ZipFile, name: str, data: bytes, executable: bool = False) -> None:
    entry = zip_entry(name, ZIP_EPOCH_MIN, compress=zipfile.ZIP_DEFLATED, mode=0o755 if executable else 0o644)
    zf.writestr(entry, data, compresslevel=9)


def client_zip(client_dir: Path) -> bytes:
    """An AYON ``client.zip`` of the client package ``client_dir``: entries ``<name>/<relpath>``."""
    client_dir = Path(client_dir)
    if not client_dir.is_dir():
        raise NotADirectoryError(client_dir)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for path in _files(client_dir):
            rel = path.relative_to(client_dir).as_posix()
            _add(zf, f"{client_dir.name}/{rel}", path.read_bytes(), bool(path.stat().st_mode & stat.S_IXUSR))
    return buffer.getvalue()


def private_files(client_dir: Path, pyproject: Path | None = None) -> dict[str, bytes]:
    """The private files a server holds for an addon version: ``client.zip`` and the client's
    ``pyproject.toml`` (by default the one next to ``client_dir``; left out when there is none)."""
    client_dir = Path(client_dir)
    files = {"client.zip": client_zip(client_dir)}
    pyproject = pyproject or client_dir.parent / "pyproject.toml"
    if pyproject.is_file():
        files["pyproject.toml"] = pyproject.read_bytes()
    return files


def default_settings(addon_dir: Path) -> dict:
    """The studio settings the addon's server part defaults to: the literal ``DEFAULT_VALUES``
    of ``server/settings.py`` (read with ``ast``, never executed: it imports ``ayon_server``)."""
    path = Path(addon_dir) / "server" / "settings.py"
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        target = node.targets[0] if isinstance(node, ast.Assign) else getattr(node, "target", None)
        if isinstance(target, ast.Name) and target.id == "DEFAULT_VALUES" and node.value is not None:
            return ast.literal_eval(node.value)
    raise ValueError(f"{path}: no literal DEFAULT_VALUES")


def addon_zip(addon_dir: Path) -> tuple[str, bytes]:
    """``({name}-{version}.zip, bytes)`` of the addon source tree ``addon_dir``."""
    addon_dir = Path(addon_dir)
    meta = read_package_py(addon_dir)
    missing = [key for key in ("name", "version", "client_dir") if not meta.get(key)]
    if missing:
        raise ValueError(f"{addon_dir / 'package.py'}: no {', '.join(missing)}")
    if not (addon_dir / "server" / "__init__.py").is_file():
        raise ValueError(f"{addon_dir}: no server/__init__.py (an AYON server loads the addon from it)")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name in ("package.py", "LICENSE"):
            if (addon_dir / name).is_file():
                _add(zf, name, (addon_dir / name).read_bytes())
        for top in SERVER_DIRS:
            if (addon_dir / top).is_dir():
                for path in _files(addon_dir / top):
                    _add(zf, f"{top}/{path.relative_to(addon_dir / top).as_posix()}", path.read_bytes())
        client = addon_dir / "client" / str(meta["client_dir"])
        for name, data in sorted(private_files(client).items()):
            _add(zf, f"private/{name}", data)
    return f"{meta['name']}-{meta['version']}.zip", buffer.getvalue()


def write_addon_zip(addon_dir: Path, output_dir: Path) -> Path:
    """Write the addon's zip into ``output_dir``; returns its path."""
    name, data = addon_zip(addon_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    path = output_dir / name
    path.write_bytes(data)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ayon_conda.dev.addon_package",
        description="Build the zip an AYON server installs (POST /api/addons/install) from addon source trees.",
    )
    parser.add_argument("addon_dirs", nargs="+", type=Path, metavar="ADDON_DIR",
                        help="an addon tree: package.py, server/, client/<client_dir>/, client/pyproject.toml")
    parser.add_argument("-o", "--output-dir", type=Path, required=True, help="where {name}-{version}.zip go")
    args = parser.parse_args(argv)
    for addon_dir in args.addon_dirs:
        try:
            print(write_addon_zip(addon_dir, args.output_dir))
        except (OSError, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
