"""ayon-conda: the release pipeline of the ``ayon-publish`` conda package.

The flow, one module per step: bundle -> pin (lock) -> sources and wheels fetched and verified
-> staged tree -> ``.conda`` archive -> verified with a real installer.
"""

__version__ = "0.1.0"
