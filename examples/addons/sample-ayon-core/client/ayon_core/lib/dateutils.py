"""Date and time values for templates, SAMPLE core addon (not AYON code)."""
from __future__ import annotations

from typing import Optional

import arrow


def get_timestamp() -> str:
    """Current UTC time as an ISO 8601 string."""
    return arrow.utcnow().isoformat()


def get_datetime_data(now: Optional[arrow.Arrow] = None) -> dict[str, str]:
    """Date keys publish templates may use (``yyyy``, ``mm``, ``dd``, ``HH``, ``MM``, ``SS``)."""
    now = now or arrow.now()
    return {
        "yyyy": now.format("YYYY"), "yy": now.format("YY"), "mm": now.format("MM"),
        "dd": now.format("DD"), "HH": now.format("HH"), "MM": now.format("mm"),
        "SS": now.format("ss"),
    }
