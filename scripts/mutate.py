"""Break important behaviour on purpose and report whether the tests notice (a small mutation run).

Each breakage ("mutation") in ``scripts/mutations.toml`` is a search-and-replace in one file, with
the behaviour it breaks and the tests expected to catch it. The run copies the tree (the files git
tracks or would track, so uncommitted edits count) into a scratch directory, checks that the listed
tests pass there unchanged, then applies one mutation at a time, runs its tests (``--full``: the
whole suite when they miss it), and restores the file. The copy's code is what runs: a small
environment beside it imports ``tools/``, ``recipe/`` and ``submit/`` from the copy and every
other package from the environment running this script.

A mutation is *caught* when a test fails with it applied; the table names that test. A *survivor*
means the behaviour can break while the suite stays green: add a test, then run this again.

Written here rather than with a mutation library (mutmut, cosmic-ray): those generate thousands of
operator flips and run the whole suite for each; this runs a handful of chosen, meaningful
breakages against the tests that claim to guard them, in minutes.

    ./scripts/mutate                       # every mutation, its listed tests
    ./scripts/mutate --only download-sha256 --only verify-cleanup
    ./scripts/mutate --full --json         # also the full suite for survivors; one JSON object
    ./scripts/mutate --list                # the mutations, without running anything

Exit codes: 0 every mutation caught, 1 some survived, 2 the run could not be made (a mutation's
text not found exactly once, an unknown --only, or the listed tests fail on the unchanged tree).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MUTATIONS = ROOT / "scripts" / "mutations.toml"
#: Where the copy's importable code lives (the editable install maps these for the worktree).
CODE_DIRS = ("tools", "recipe", "submit")


@dataclass(frozen=True)
class Mutation:
    id: str
    behaviour: str
    file: str
    find: str
    replace: str
    tests: tuple[str, ...]


@dataclass
class Outcome:
    id: str
    behaviour: str
    caught: bool
    caught_by: list[str] = field(default_factory=list)
    suite: str = "listed"  # which run caught it: the listed tests, or the full suite
    seconds: float = 0.0


class RunError(Exception):
    """The run cannot be made (exit code 2)."""


def load(path: Path = MUTATIONS) -> list[Mutation]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return [Mutation(m["id"], m["behaviour"], m["file"], m["find"], m["replace"], tuple(m["tests"]))
            for m in data["mutation"]]


def copy_tree(root: Path, dest: Path) -> None:
    """The files git tracks or would track (uncommitted edits included), copied to ``dest``."""
    names = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=root,
                           check=True, capture_output=True).stdout.decode().split("\0")
    for name in filter(None, names):
        source = root / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)


def make_venv(copy: Path) -> Path:
    """An environment whose ``ayon_conda``, ``ayon_publish`` and ``ayon_publish_submit`` are the
    copy's, with every other package from this one; its ``python``.

    Not ``PYTHONPATH``: that would leak into the Pythons of the environments the tests install
    and run (their ``ayon`` would import the copy instead of what they installed)."""
    venv = copy.parent / "venv"
    subprocess.run([getattr(sys, "_base_executable", sys.executable), "-m", "venv", "--without-pip", str(venv)],
                   check=True)
    site = Path(subprocess.run([venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    here = sysconfig.get_paths()["purelib"]  # this environment's packages, without its editable install
    (site / "0-mutated-tree.pth").write_text("".join(f"{copy / d}\n" for d in CODE_DIRS))
    (site / "1-dependencies.pth").write_text(f"{here}\n")
    script = venv / "bin" / "ayon-conda"
    script.write_text(f"#!{venv / 'bin' / 'python'}\nfrom ayon_conda.cli import run\nrun()\n")
    script.chmod(0o755)
    return venv / "bin" / "python"


def environment(python: Path) -> dict[str, str]:
    """PATH finds the copy's environment first (its ``python`` and ``ayon-conda``)."""
    return {**os.environ, "PATH": f"{python.parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "PYTHONDONTWRITEBYTECODE": "1"}


def check_imports(copy: Path, python: Path) -> None:
    """The copy's modules are the ones imported, not the worktree's."""
    code = "import ayon_conda, ayon_publish, ayon_publish_submit as s; print(ayon_conda.__file__, ayon_publish.__file__, s.__file__)"
    out = subprocess.run([python, "-c", code], cwd=copy, env=environment(python), check=True,
                         capture_output=True, text=True).stdout.split()
    outside = [path for path in out if not Path(path).is_relative_to(copy)]
    if outside:
        raise RunError(f"the copy's code is not the code imported: {outside}")


def failures(copy: Path, python: Path, tests: list[str]) -> dict[str, str]:
    """Run pytest in the copy; the tests that failed or errored, each with its message's first
    line (empty: all passed). Its temporary directories are the copy's own (``--basetemp``), so
    other pytest sessions on the machine cannot clean them away mid-run."""
    report, basetemp = copy.parent / "report.xml", copy.parent / "pytest-tmp"
    cmd = [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=", "--basetemp",
           str(basetemp), "--junitxml", str(report), *tests]
    proc = subprocess.run(cmd, cwd=copy, env=environment(python), capture_output=True, text=True)
    if not report.is_file():
        raise RunError(f"pytest did not run (exit {proc.returncode}): {proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    failed = {}
    for case in ET.parse(report).iter("testcase"):
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        if problem is not None:
            path = case.get("classname", "").replace(".", "/")
            failed[f"{path}.py::{case.get('name')}"] = (problem.get("message") or "").strip().split("\n")[0][:300]
    report.unlink()
    if proc.returncode not in (0, 1) and not failed:
        raise RunError(f"pytest exited {proc.returncode}: {proc.stdout[-2000:]}")
    return failed


def apply(copy: Path, mutation: Mutation) -> str:
    """Apply ``mutation`` in the copy; returns the file's original text."""
    path = copy / mutation.file
    if not path.is_file():
        raise RunError(f"{mutation.id}: {mutation.file} does not exist; update {MUTATIONS.name}")
    text = path.read_text(encoding="utf-8")
    found = text.count(mutation.find)
    if found != 1:
        raise RunError(f"{mutation.id}: its text is found {found} times in {mutation.file} (must be once); "
                       f"update {MUTATIONS.name}")
    path.write_text(text.replace(mutation.find, mutation.replace), encoding="utf-8")
    return text


def run(mutations: list[Mutation], *, full: bool, log: Callable[[str], None] = print) -> list[Outcome]:
    with tempfile.TemporaryDirectory(prefix="ayon-conda-mutate-") as tmp:
        copy = Path(tmp) / "tree"
        copy_tree(ROOT, copy)
        python = make_venv(copy)
        check_imports(copy, python)
        for mutation in mutations:  # every text is there before anything runs
            (copy / mutation.file).write_text(apply(copy, mutation), encoding="utf-8")
        listed = sorted({t for m in mutations for t in m.tests})
        log(f"baseline: {len(listed)} listed tests on the unchanged copy")
        broken = failures(copy, python, listed)
        if broken:
            raise RunError("the listed tests fail on the unchanged tree: "
                           + "; ".join(f"{name}: {message}" for name, message in broken.items()))
        outcomes = []
        for mutation in mutations:
            start = time.monotonic()
            original = apply(copy, mutation)
            try:
                caught_by = list(failures(copy, python, list(mutation.tests)))
                suite = "listed"
                if not caught_by and full:
                    caught_by, suite = list(failures(copy, python, ["tests"])), "full"
            finally:
                (copy / mutation.file).write_text(original, encoding="utf-8")
            outcome = Outcome(mutation.id, mutation.behaviour, bool(caught_by), caught_by, suite,
                              round(time.monotonic() - start, 1))
            log(f"{mutation.id}: {'caught' if outcome.caught else 'SURVIVED'} ({outcome.seconds} s)")
            outcomes.append(outcome)
        return outcomes


def table(outcomes: list[Outcome]) -> str:
    rows = [("mutation", "result", "caught by")]
    for o in outcomes:
        by = ", ".join(o.caught_by[:2]) + (f" (+{len(o.caught_by) - 2})" if len(o.caught_by) > 2 else "")
        rows.append((o.id, "caught" if o.caught else "SURVIVED", f"{by} [{o.suite}]" if o.caught else "-"))
    width = [max(len(r[i]) for r in rows) for i in range(2)]
    lines = [f"{r[0]:<{width[0]}}  {r[1]:<{width[1]}}  {r[2]}" for r in rows]
    caught = sum(o.caught for o in outcomes)
    return "\n".join([*lines, f"{caught} of {len(outcomes)} caught"])


def main(argv: list[str] | None = None) -> int:
    examples = next(part for part in __doc__.split("\n\n") if part.lstrip().startswith("./scripts/mutate"))
    parser = argparse.ArgumentParser(
        prog="./scripts/mutate", description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=f"The mutations are listed in scripts/mutations.toml.\n\nexamples:\n{examples}\n\nexit codes: 0 every "
               "mutation caught, 1 some survived, 2 the run could not be made")
    parser.add_argument("--only", action="append", metavar="ID", help="run only this mutation (repeatable)")
    parser.add_argument("--full", action="store_true", help="when the listed tests miss a mutation, run the whole suite")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout (progress on stderr)")
    parser.add_argument("--list", action="store_true", help="list the mutations and their tests; run nothing")
    args = parser.parse_args(argv)
    mutations = load()
    if args.only:
        unknown = sorted(set(args.only) - {m.id for m in mutations})
        if unknown:
            print(f"error: unknown mutation {', '.join(unknown)}; see --list", file=sys.stderr)
            return 2
        mutations = [m for m in mutations if m.id in args.only]
    if args.list:
        for m in mutations:
            print(f"{m.id}: {m.behaviour}\n  {m.file}\n  tests: {' '.join(m.tests)}")
        return 0
    try:
        outcomes = run(mutations, full=args.full, log=lambda line: print(line, file=sys.stderr))
    except RunError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps({"caught": sum(o.caught for o in outcomes), "total": len(outcomes),
                          "mutations": [o.__dict__ for o in outcomes]}, indent=2))
    else:
        print(table(outcomes))
    return 0 if all(o.caught for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
