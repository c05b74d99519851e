"""Ending a process that has used py-rattler, without CPython's finalization.

py-rattler runs its work on tokio threads. When ``asyncio.run`` returns, one of them may still
be releasing the GIL; if the interpreter is finalizing at that moment, CPython aborts the process
(SIGABRT, "PyGILState_Release: thread state ... must be current when releasing"), so a command
that did everything right exits with -6. Measured here with py-rattler 0.28 on Python 3.11:
8 of 30 short processes that ran ``index_fs`` once aborted at exit. Entry points therefore
flush their output and leave with ``os._exit``: nothing is left to finalize (files are closed
and temporary directories removed by the code that made them).
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable
from typing import NoReturn


def exit_now(code: int) -> NoReturn:
    """Flush stdout and stderr, then end the process with ``code``."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


def run_and_exit(main: Callable[[], object]) -> NoReturn:
    """Run an entry point (which may ``sys.exit``) and end the process with its exit code."""
    try:
        main()
        code = 0
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    except KeyboardInterrupt:
        code = 130
    except BaseException:  # a bug: keep the traceback
        traceback.print_exc()
        code = 1
    exit_now(code)
