# ayon-publish-core (bash/sh, sourced on activation): sync the AYON bundle's addons from S3 into a
# node-local cache and point AYON_ADDONS_DIR at it. Nothing happens unless AYON_ADDONS_S3_URI or
# DEADLINE_JA_S3_BUCKET is set. All logic is in ayon_publish/addon_sync.py; this applies its output.
if [ -x "${CONDA_PREFIX:-}/bin/python" ]; then
    _ayon_sync_python="${CONDA_PREFIX}/bin/python"
else
    _ayon_sync_python="${CONDA_PREFIX:-}/python.exe"  # bash on Windows
fi
_ayon_sync_env="$("${_ayon_sync_python}" -I -m ayon_publish.addon_sync activate --shell bash)"
_ayon_sync_status=$?
eval "${_ayon_sync_env}"
unset _ayon_sync_python _ayon_sync_env
if [ "${_ayon_sync_status}" -ne 0 ]; then
    # fail closed: `ayon` refuses to run while this is set, even if python died without a word
    if [ -z "${AYON_ADDONS_SYNC_ERROR:-}" ]; then
        export AYON_ADDONS_SYNC_ERROR="ayon-publish-core: the addon sync ended with status ${_ayon_sync_status} and no message; run '${CONDA_PREFIX:-}/bin/python -m ayon_publish.addon_sync activate --shell bash' to see why"
    fi
    unset _ayon_sync_status
    return 1
fi
unset _ayon_sync_status
