"""The examples in the docstrings of the pipeline and of the shipped code run."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import ayon_conda
import ayon_publish

MODULES = [m.name for m in pkgutil.walk_packages(ayon_conda.__path__, "ayon_conda.") if not m.name.endswith("__main__")]
#: The code that ships in the packages (recipe/ayon_publish).
SHIPPED = [m.name for m in pkgutil.walk_packages(ayon_publish.__path__, "ayon_publish.") if not m.name.endswith("__main__")]


@pytest.mark.parametrize("name", MODULES + SHIPPED)
def test_docstring_examples(name: str):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
