"""The one validator of outside names and versions (ayon_publish.names), against the tools that
read the same values: python-semver (the AYON server's versions) and py-rattler (conda versions)."""

from __future__ import annotations

import pytest
import semver
from ayon_publish import names
from hypothesis import given, settings
from hypothesis import strategies as st
from rattler import MatchSpec, Version

CASES = {
    "trailing newline": (names.bundle_name, "production\n"),
    "inner newline": (names.addon_name, "dead\nline"),
    "path": (names.version, "0.2.0/../../../x"),
    "jinja": (names.core_version, "1.0{{7*7}}"),
    "shell": (names.core_version, "1.0.0;id"),
    "empty conda component": (names.core_version, "1.0.0--x"),
    "number beyond 64 bits": (names.core_version, "970686569185372020515.830.6749"),
    "unicode digits": (names.version, "１.0.0"),
    "too long": (names.bundle_name, "b" * 129),
    "not text": (names.version, 1.0),
    "one-letter addon": (names.addon_name, "x"),
    "dot dot": (names.file_name, ".."),
    "slash in client_dir": (names.client_dir, "a/b"),
    "upper-case package": (names.package_name, "Ayon-Publish"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_refused(case: str):
    check, value = CASES[case]
    with pytest.raises(names.InvalidName) as refused:
        check(value)
    assert "\n" not in str(refused.value) and len(str(refused.value)) < 300


@pytest.mark.parametrize("check, value", [
    (names.bundle_name, "sample-bundle-1"), (names.bundle_name, "__project__Show__production"),
    (names.addon_name, "deadline_cloud"), (names.version, "0.2.0-sample.1"), (names.version, "1.6.9+dev"),
    (names.core_version, "1.9.0-rc.1"), (names.project_name, "Show_01"), (names.client_dir, "ayon_core"),
    (names.file_name, "pyblish_base-1.8.12-py2.py3-none-any.whl"), (names.sha256, "0" * 64),
])
def test_accepted(check, value: str):
    assert check(value) == value


@settings(max_examples=100, deadline=None)
@given(st.from_regex(names._SEMVER, fullmatch=True).filter(lambda v: len(v) <= names.MAX_VERSION))
def test_every_accepted_version_is_semver_as_the_server_reads_it(value: str):
    assert str(semver.Version.parse(names.version(value))) == value


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="0123456789.-+abcXYZ", max_size=20))
def test_every_semver_is_accepted(value: str):
    try:
        semver.Version.parse(value)
    except ValueError:
        return
    assert names.version(value) == value


@settings(max_examples=100, deadline=None)
@given(st.from_regex(names._CORE, fullmatch=True).filter(lambda v: len(v) <= names.MAX_VERSION))
def test_every_accepted_core_version_is_a_conda_version(value: str):
    """What the package version becomes (``-`` as ``_``) parses as a conda version and match spec."""
    try:
        names.core_version(value)
    except names.InvalidName:
        return  # semver refuses it (e.g. a leading zero): the narrower rule never widens the AYON one
    conda = value.replace("-", "_")
    Version(conda)  # raises on what conda tools cannot read
    assert MatchSpec(f"ayon-publish =={conda} pyh01234567_*").version is not None


def test_shown_and_one_line_keep_messages_on_one_line():
    assert names.shown("a\nb") == r"'a\nb'"
    assert names.one_line("bundle x\r\nrm -rf\u2028y") == r"bundle x\r\nrm -rf\u2028y"


@settings(max_examples=100, deadline=None)
@given(st.from_regex(names._SEMVER, fullmatch=True) | st.text(alphabet="0123456789.-+aZ\n", max_size=16))
def test_the_shipped_check_and_the_submission_side_read_one_grammar(value: str):
    """Shipped code cannot import the submission side (nor the reverse): two readers of semver,
    held equal here, both with the whole value (no trailing newline)."""
    from ayon_publish_submit.versions import SemVer

    try:
        SemVer.parse(value)
        parsed = True
    except ValueError:
        parsed = False
    accepted = True
    try:
        names.version(value)
    except names.InvalidName:
        accepted = False
    assert accepted == (parsed and len(value) <= names.MAX_VERSION)
