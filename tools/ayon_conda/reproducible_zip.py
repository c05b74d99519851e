"""Zip members with every field fixed: every zip this project writes is built from these.

The ``.conda`` container, the addon archives of ``addons upload`` and the wheel of ``export``
all need bytes that do not depend on the machine, the time or the umask; :mod:`zipfile` fills
dates, host system and modes from the environment unless each is set.
"""

from __future__ import annotations

import stat
import time
import zipfile

ZIP_UNIX = 3  # ZipInfo.create_system: otherwise it depends on the building OS
ZIP_EPOCH_MIN = 315532800  # 1980-01-01, the earliest date a zip entry can hold
ZIP_EPOCH_MAX = 4354819198  # 2107-12-31T23:59:58Z, the latest


def zip_entry(name: str, mtime: int, *, compress: int = zipfile.ZIP_STORED, mode: int = 0o644) -> zipfile.ZipInfo:
    """A zip member whose every field is fixed: date from ``mtime``, unix host, regular file ``mode``.
    Every zip this project writes (packages, addon archives, wheels) is built from these.

    >>> entry = zip_entry("info/index.json", 0)  # before 1980: the earliest date a zip can hold
    >>> entry.date_time, oct(entry.external_attr >> 16), entry.create_system
    ((1980, 1, 1, 0, 0, 0), '0o100644', 3)
    """
    entry = zipfile.ZipInfo(name, date_time=time.gmtime(max(mtime, ZIP_EPOCH_MIN))[:6])
    entry.compress_type = compress
    entry.create_system = ZIP_UNIX
    entry.external_attr = (stat.S_IFREG | mode) << 16
    return entry
