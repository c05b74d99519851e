# ayon-publish-core (bash/sh, sourced on deactivation): restore what activation changed
# (AYON_ADDONS_DIR). All logic is in ayon_publish/addon_sync.py; this applies its output.
if [ -x "${CONDA_PREFIX:-}/bin/python" ]; then
    _ayon_sync_python="${CONDA_PREFIX}/bin/python"
else
    _ayon_sync_python="${CONDA_PREFIX:-}/python.exe"  # bash on Windows
fi
eval "$("${_ayon_sync_python}" -I -m ayon_publish.addon_sync deactivate --shell bash)"
unset _ayon_sync_python
