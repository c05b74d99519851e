@REM ayon-publish-core (cmd.exe, called on activation): sync the AYON bundle's addons from S3 into a
@REM node-local cache and point AYON_ADDONS_DIR at it. Nothing happens unless AYON_ADDONS_S3_URI is
@REM set. All logic is in ayon_publish\addon_sync.py; this applies its output, one NAME=value line
@REM each (NAME= unsets). It never fails: a failure is in AYON_ADDONS_SYNC_ERROR, and `ayon` refuses
@REM to run with it.
@for /f "usebackq delims=" %%L in (`""%CONDA_PREFIX%\python.exe" -I -m ayon_publish.addon_sync activate --shell cmd"`) do @set "%%L"
@REM fail closed: a configured sync always prints AYON_ADDONS_SYNC_ACTIVE; without it python died silently
@if not defined AYON_ADDONS_SYNC_ACTIVE if not defined AYON_ADDONS_SYNC_ERROR if defined AYON_ADDONS_S3_URI set "AYON_ADDONS_SYNC_ERROR=ayon-publish-core: the addon sync printed nothing; run python -m ayon_publish.addon_sync activate --shell cmd in this environment to see why"
