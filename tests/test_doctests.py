"""The examples in the pipeline's docstrings run."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import ayon_conda

MODULES = [m.name for m in pkgutil.walk_packages(ayon_conda.__path__, "ayon_conda.") if not m.name.endswith("__main__")]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
