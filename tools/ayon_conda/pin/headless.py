"""The headless rule (DESIGN decision 4): no Qt binding is vendored or required.

Checked three times: ``pin`` refuses a dependency tree with a binding in it, ``build`` refuses
a lock or staged tree with one, and ``ayon --self-check`` in the installed package imports the
publish code paths with Qt imports blocked.
"""

from __future__ import annotations

from pathlib import Path

from ayon_conda.errors import AyonCondaError
from ayon_conda.pin.component_config import normalize_name

#: PyPI distributions that are (or carry) a Qt binding.
QT_DISTRIBUTIONS = frozenset({
    "pyside2", "pyside6", "pyside6-essentials", "pyside6-addons", "shiboken2", "shiboken6",
    "pyqt5", "pyqt6", "pyqt5-qt5", "pyqt6-qt6", "pyqt5-sip", "pyqt6-sip",
})
#: Their top-level import names.
QT_MODULES = frozenset({"PySide2", "PySide6", "PyQt5", "PyQt6", "shiboken2", "shiboken6"})
#: conda-forge packages that are a binding or Qt itself.
QT_CONDA_PACKAGES = frozenset({"pyside2", "pyside6", "pyqt", "pyqt5", "pyqt6", "qt", "qt-main", "qt6-main"})


def qt_error(subject: str, name: str, chain: str) -> AyonCondaError:
    return AyonCondaError(
        subject,
        f"Qt binding {name} is in the dependency tree ({chain})",
        "the package must stay headless: exclude the dependency that pulls it in, in the component config",
    )


def check_requirements(subject: str, vendored: list[str], conda: list[str]) -> None:
    """Refuse a binding among vendored distribution names or conda requirement names.

    >>> check_requirements("lock.json", ["ayon-python-api", "pyblish-base"], ["pillow"])
    >>> check_requirements("lock.json", ["PySide6_Essentials"], [])
    Traceback (most recent call last):
    ...
    ayon_publish_submit.errors.UserError: lock.json: Qt binding PySide6_Essentials is in the dependency tree (vendored); ...
    """
    for name in vendored:
        if normalize_name(name) in QT_DISTRIBUTIONS:
            raise qt_error(subject, name, "vendored")
    for name in conda:
        if name.lower() in QT_CONDA_PACKAGES:
            raise qt_error(subject, name, "conda run requirement")


def check_vendor_dir(vendor: Path) -> None:
    """Refuse a staged vendor directory that holds a binding's import package."""
    for entry in vendor.iterdir():
        if entry.name.split(".")[0] in QT_MODULES:
            raise qt_error(str(vendor), entry.name, "staged in the vendor directory")
