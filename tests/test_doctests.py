"""The examples in the docstrings of the pipeline, the submission side and the shipped code run."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import ayon_conda
import ayon_publish
import ayon_publish_submit
import pytest

MODULES = [m.name for pkg in (ayon_conda, ayon_publish_submit)
           for m in pkgutil.walk_packages(pkg.__path__, f"{pkg.__name__}.") if not m.name.endswith("__main__")]
#: The code that ships in the packages (recipe/ayon_publish).
SHIPPED = [m.name for m in pkgutil.walk_packages(ayon_publish.__path__, "ayon_publish.") if not m.name.endswith("__main__")]


@pytest.mark.parametrize("name", MODULES + SHIPPED)
def test_docstring_examples(name: str):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
