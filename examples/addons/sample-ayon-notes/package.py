# SAMPLE addon (not AYON code): an addon with a client dependency of its own, for option C.
# Plain assignments only: the packaging pipeline reads this file with `ast`, it is never executed.
name = "notes"
title = "Publish notes (sample)"
version = "0.1.0-sample.1"

client_dir = "ayon_notes"

plugin_for = ["ayon_server"]

ayon_server_version = ">=1.8.4,<2.0.0"
ayon_launcher_version = ">=1.5.4"
ayon_required_addons = {
    "core": ">=1.9.0-sample.1",
}
ayon_compatible_addons = {}
