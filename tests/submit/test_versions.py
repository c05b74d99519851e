"""``ayon_publish_submit.versions``: the standard-library semantic versions parse, order and match
exactly as python-semver does (the library the AYON server checks ranges with), on generated input."""

from __future__ import annotations

import pytest
import semver
from ayon_publish_submit.errors import UserError
from ayon_publish_submit.versions import SemVer, in_range, version_key
from hypothesis import example, given, settings
from hypothesis import strategies as st

EXAMPLES = settings(max_examples=1000, deadline=None, derandomize=True)

number = st.one_of(st.integers(0, 30).map(str), st.sampled_from(["00", "01", "007", "1" * 40]))
identifier = st.text(alphabet="0123456789abzAZ-", min_size=0, max_size=6)
dotted = st.lists(identifier, min_size=1, max_size=4).map(".".join)
shaped = st.builds(
    lambda major, minor, patch, pre, build: f"{major}.{minor}.{patch}{pre}{build}",
    number, number, number,
    st.one_of(st.just(""), dotted.map(lambda p: f"-{p}")),
    st.one_of(st.just(""), dotted.map(lambda b: f"+{b}")),
)
noise = st.text(alphabet="0123456789.-+abz=<>! \n\u0661", max_size=14)
version_text = st.one_of(shaped, shaped, noise, shaped.map(lambda v: v[:-1]), shaped.map(lambda v: f"{v}\n"),
                         shaped.map(lambda v: f" {v}"), shaped.map(lambda v: v.replace("1", "\u0661")))
operator = st.sampled_from(["", ">=", "<=", "==", "!=", ">", "<", "=", "=>", "~", " >=", ">= "])


def library(text: str):
    try:
        return semver.Version.parse(text)
    except ValueError:
        return None


def ours(text: str):
    try:
        return SemVer.parse(text)
    except ValueError:
        return None


@EXAMPLES
@given(version_text)
@example("1.2.3\n")
@example("1.2.3-0a.01")
@example("1.2.3-01")
def test_parse_accepts_and_reads_what_semver_does(text: str):
    theirs, mine = library(text), ours(text)
    assert (theirs is None) == (mine is None), text
    if mine is not None:
        assert (mine.major, mine.minor, mine.patch, mine.prerelease, mine.build) == (
            theirs.major, theirs.minor, theirs.patch, theirs.prerelease, theirs.build)


@EXAMPLES
@given(shaped, shaped)
@example("1.0.0-alpha", "1.0.0-alpha.1")
@example("1.0.0-alpha.beta", "1.0.0-beta")
@example("1.0.0-rc.9", "1.0.0-rc.10")
@example("1.0.0-2", "1.0.0-a")
@example("1.0.0+a", "1.0.0+b")
def test_order_is_semvers(a: str, b: str):
    theirs_a, theirs_b = library(a), library(b)
    if theirs_a is None or theirs_b is None:
        return
    expected = theirs_a.compare(theirs_b)
    assert SemVer.parse(a).compare(SemVer.parse(b)) == expected, (a, b)
    assert (version_key(a) > version_key(b)) - (version_key(a) < version_key(b)) == expected, (a, b)


@EXAMPLES
@given(shaped, operator, version_text)
@example("1.9.0", ">=", "1.9.0-rc.1")
@example("1.9.0", "", "1.9.0+x")
@example("1.9.0", "", "v1.9.0")
def test_match_is_semvers(version: str, op: str, other: str):
    theirs = library(version)
    if theirs is None:
        return
    condition = f"{op}{other}"
    try:
        expected = theirs.match(condition)
    except ValueError:
        expected = ValueError
    try:
        got = SemVer.parse(version).match(condition)
    except ValueError:
        got = ValueError
    assert got == expected, (version, condition)


def test_ranges_as_packages_record_them():
    assert in_range("1.10.0-dev.1", ">=1.8.4,<2.0.0")
    assert in_range("1.8.4", " >=1.8.4 , <2.0.0 ")  # conditions are stripped, as the server strips them
    assert not in_range("2.0.0", ">=1.8.4,<2.0.0")
    assert in_range("2.0.0-rc.1", ">=1.8.4,<2.0.0")  # a pre-release sorts before its release
    with pytest.raises(UserError, match=r"^AYON server version: '1.9' is not a semantic version \(e.g. 1.8.4\); "):
        in_range("1.9", ">=1.8.4")
    with pytest.raises(UserError, match=r"^range '>=1.8.4,~2': '~2' is not a semver condition; "):
        in_range("1.9.0", ">=1.8.4,~2")


def test_unparsable_package_versions_sort_last_by_text():
    assert sorted(["weird", "1.10.0", "1.9.0_rc.1", "also-weird", "1.9.0"], key=version_key) == [
        "1.9.0_rc.1", "1.9.0", "1.10.0", "also-weird", "weird"]
