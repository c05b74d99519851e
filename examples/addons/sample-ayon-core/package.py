# SAMPLE stand-in for ynput/ayon-core's package.py (not AYON code).
# Plain assignments only: the packaging pipeline reads this file with `ast`,
# it is never executed.
name = "core"
title = "Core (sample)"
version = "1.9.0-sample.1"

client_dir = "ayon_core"

plugin_for = ["ayon_server"]

project_can_override_addon_version = True

ayon_server_version = ">=1.8.4,<2.0.0"
ayon_launcher_version = ">=1.5.4"
ayon_required_addons = {}
ayon_compatible_addons = {}
