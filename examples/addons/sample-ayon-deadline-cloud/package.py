# SAMPLE stand-in for ynput/ayon-deadline-cloud's package.py (not AYON code).
# Plain assignments only: the packaging pipeline reads this file with `ast`,
# it is never executed.
name = "deadline_cloud"
title = "AWS Deadline Cloud (sample)"
version = "0.2.0-sample.1"

client_dir = "ayon_deadline_cloud"

plugin_for = ["ayon_server"]

ayon_server_version = ">=1.8.4,<2.0.0"
ayon_launcher_version = ">=1.5.4"
ayon_required_addons = {
    "core": ">=1.9.0-sample.1",
}
ayon_compatible_addons = {}
