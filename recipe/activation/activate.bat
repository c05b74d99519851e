@REM ayon-publish-core (cmd.exe, called on activation): sync the AYON bundle's addons from S3 into a
@REM node-local cache and point AYON_ADDONS_DIR at it. Nothing happens unless AYON_ADDONS_S3_URI or
@REM DEADLINE_JA_S3_BUCKET is set. All logic is in ayon_publish\addon_sync.py; this applies its
@REM output, one NAME=value line each (NAME= unsets).
@for /f "usebackq delims=" %%L in (`""%CONDA_PREFIX%\python.exe" -I -m ayon_publish.addon_sync activate --shell cmd"`) do @set "%%L"
@REM fail closed: a configured sync always prints AYON_ADDONS_SYNC_ACTIVE; without it python died silently
@if not defined AYON_ADDONS_SYNC_ACTIVE if not defined AYON_ADDONS_SYNC_ERROR if defined AYON_ADDONS_S3_URI set "AYON_ADDONS_SYNC_ERROR=ayon-publish-core: the addon sync printed nothing; run python -m ayon_publish.addon_sync activate --shell cmd in this environment to see why"
@if not defined AYON_ADDONS_SYNC_ACTIVE if not defined AYON_ADDONS_SYNC_ERROR if defined DEADLINE_JA_S3_BUCKET set "AYON_ADDONS_SYNC_ERROR=ayon-publish-core: the addon sync printed nothing; run python -m ayon_publish.addon_sync activate --shell cmd in this environment to see why"
@if defined AYON_ADDONS_SYNC_ERROR exit /b 1
