"""The mutation run's list (scripts/mutations.toml) stays runnable: each breakage's text is in its
file exactly once, and each test it names exists (the run itself is ./scripts/mutate)."""

from __future__ import annotations

import importlib.util
import re
import sys

import pytest
from conftest import REPO

_spec = importlib.util.spec_from_file_location("mutate", REPO / "scripts" / "mutate.py")
mutate = sys.modules["mutate"] = importlib.util.module_from_spec(_spec)  # dataclasses look their module up
_spec.loader.exec_module(mutate)
MUTATIONS = mutate.load()


def test_ids_are_unique():
    ids = [m.id for m in MUTATIONS]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.id)
def test_each_breakage_applies_once_and_names_existing_tests(mutation):
    assert (REPO / mutation.file).read_text(encoding="utf-8").count(mutation.find) == 1
    assert mutation.find != mutation.replace and mutation.tests
    for test in mutation.tests:
        path, _, name = test.partition("::")
        source = (REPO / path).read_text(encoding="utf-8")
        if name:
            assert re.search(rf"^def {re.escape(name.split('[')[0])}\(", source, re.M), test
