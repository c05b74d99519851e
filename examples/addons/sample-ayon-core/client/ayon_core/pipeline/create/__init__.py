"""Product naming, SAMPLE core addon (not AYON code).

``get_product_name`` has real ayon-core's signature. Real ayon-core picks the template from the
``core`` settings' product name profiles; the sample always uses the default template
``{product[type]}{Variant}`` (``Variant`` is the variant with its first letter capitalized).
"""
from __future__ import annotations

from typing import Any, Optional

DEFAULT_PRODUCT_TEMPLATE = "{product[type]}{Variant}"


def get_product_name(
    project_name: str,
    folder_entity: dict[str, Any],
    task_entity: Optional[dict[str, Any]],
    product_base_type: str,
    product_type: str,
    host_name: str,
    variant: str,
    *,
    dynamic_data: Optional[dict[str, Any]] = None,
    default_template: Optional[str] = None,
) -> str:
    """The product name for ``variant`` of ``product_type`` in this context."""
    template = default_template or DEFAULT_PRODUCT_TEMPLATE
    data: dict[str, Any] = {
        "product": {"type": product_type, "basetype": product_base_type},
        "variant": variant,
        "Variant": variant[:1].upper() + variant[1:],
        "folder": {"name": folder_entity["name"]},
        "host": host_name,
    }
    if task_entity:
        data["task"] = {"name": task_entity["name"]}
        data["Task"] = {"name": task_entity["name"][:1].upper() + task_entity["name"][1:]}
    data.update(dynamic_data or {})
    return template.format_map(data)
