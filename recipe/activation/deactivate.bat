@REM ayon-publish-core (cmd.exe, called on deactivation): restore what activation changed
@REM (AYON_ADDONS_DIR). All logic is in ayon_publish\addon_sync.py; this applies its output.
@for /f "usebackq delims=" %%L in (`""%CONDA_PREFIX%\python.exe" -I -m ayon_publish.addon_sync deactivate --shell cmd"`) do @set "%%L"
