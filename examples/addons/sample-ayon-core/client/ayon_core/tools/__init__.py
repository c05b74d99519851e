"""UI tools of the SAMPLE core addon (not AYON code): everything here needs Qt.

Like real ``ayon_core.tools``, the packages below import ``qtpy`` at module level. The headless
publish path must never import them; a publish plugin that does (``validate_file_saved.py``)
is dropped from plugin discovery on a worker without Qt.
"""
