"""Qt helpers of the SAMPLE core addon (not AYON code)."""
from __future__ import annotations

from typing import Any


def get_qt_app() -> Any:
    """Return the running ``QApplication``, creating one if needed.

    ``qtpy`` is imported here, not at module level: importing
    ``ayon_core.tools.utils`` must work on a worker without Qt.
    """
    from qtpy import QtWidgets  # noqa: PLC0415 - lazy on purpose

    app = QtWidgets.QApplication.instance()
    if app is None:
        app = QtWidgets.QApplication([])
    return app
