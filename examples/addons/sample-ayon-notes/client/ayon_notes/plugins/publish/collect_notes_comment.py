"""Comment each published version from its product name (SAMPLE, not AYON code).

It imports ``inflection``, the addon's own client dependency: where that did not reach the
worker, ayon-core's discovery drops this plugin and versions are published without a comment.
"""
import inflection
import pyblish.api


class CollectNotesComment(pyblish.api.InstancePlugin):
    """``renderBeauty`` -> comment "Render Beauty, published on the farm"."""

    label = "Comment from the product name (notes)"
    order = pyblish.api.CollectorOrder + 0.45
    hosts = ["shell"]

    def process(self, instance: pyblish.api.Instance) -> None:
        name = inflection.titleize(inflection.underscore(instance.data["productName"]))
        instance.data["comment"] = f"{name}, published on the farm"
