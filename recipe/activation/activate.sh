# ayon-publish-core (bash/sh, sourced on activation): sync the AYON bundle's addons from S3 into a
# node-local cache and point AYON_ADDONS_DIR at it. Nothing happens unless AYON_ADDONS_S3_URI is
# set. All logic is in ayon_publish/addon_sync.py; this applies its output.
# It never fails (safe under `set -euo pipefail`): a failure is in AYON_ADDONS_SYNC_ERROR and
# <cache>/logs/activate.log, and `ayon` refuses to run with it.
if [ -x "${CONDA_PREFIX:-}/bin/python" ]; then
    _ayon_sync_python="${CONDA_PREFIX}/bin/python"
else
    _ayon_sync_python="${CONDA_PREFIX:-}/python.exe"  # bash on Windows
fi
_ayon_sync_status=0
_ayon_sync_env="$("${_ayon_sync_python}" -I -m ayon_publish.addon_sync activate --shell bash)" || _ayon_sync_status=$?
eval "${_ayon_sync_env}" || _ayon_sync_status=$?
if [ "${_ayon_sync_status}" -ne 0 ] && [ -z "${AYON_ADDONS_SYNC_ERROR:-}" ]; then
    # python died without a word: fail closed all the same
    export AYON_ADDONS_SYNC_ERROR="ayon-publish-core: the addon sync ended with status ${_ayon_sync_status} and no message; run '${_ayon_sync_python} -m ayon_publish.addon_sync activate --shell bash' to see why"
fi
unset _ayon_sync_python _ayon_sync_env _ayon_sync_status
