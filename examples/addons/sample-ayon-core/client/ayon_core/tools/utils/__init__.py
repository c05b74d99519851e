"""Qt helpers of the SAMPLE core addon (not AYON code).

Like the real ``ayon_core.tools.utils``, this imports ``qtpy`` at module level: importing it
fails on a worker without a Qt binding.
"""
from __future__ import annotations

from qtpy import QtWidgets


def get_qt_app() -> QtWidgets.QApplication:
    """The running ``QApplication``, created if needed."""
    app = QtWidgets.QApplication.instance()
    if app is None:
        app = QtWidgets.QApplication([])
    return app


def show_workfiles() -> None:
    """Show the workfiles tool (not part of the sample)."""
    raise NotImplementedError("the sample core addon has no workfiles tool")
