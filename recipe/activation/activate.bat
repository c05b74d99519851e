@REM ayon-publish-core (cmd.exe, called on activation): sync the AYON bundle's addons from S3 into a
@REM node-local cache and point AYON_ADDONS_DIR at it. Nothing happens unless AYON_ADDONS_S3_URI or
@REM DEADLINE_JA_S3_BUCKET is set. All logic is in ayon_publish\addon_sync.py; this applies its
@REM output, one NAME=value line each (NAME= unsets).
@for /f "usebackq delims=" %%L in (`""%CONDA_PREFIX%\python.exe" -I -m ayon_publish.addon_sync activate --shell cmd"`) do @set "%%L"
@if defined AYON_ADDONS_SYNC_ERROR exit /b 1
