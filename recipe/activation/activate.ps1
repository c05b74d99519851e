# ayon-publish-core (PowerShell, dot-sourced on activation): sync the AYON bundle's addons from S3
# into a node-local cache and point AYON_ADDONS_DIR at it. Nothing happens unless AYON_ADDONS_S3_URI
# or DEADLINE_JA_S3_BUCKET is set. All logic is in ayon_publish/addon_sync.py; this applies its output.
$AyonSyncPython = Join-Path $Env:CONDA_PREFIX 'python.exe'
if (-not (Test-Path -LiteralPath $AyonSyncPython)) { $AyonSyncPython = Join-Path $Env:CONDA_PREFIX 'bin/python' }
$AyonSyncEnv = & $AyonSyncPython -I -m ayon_publish.addon_sync activate --shell powershell
if ($AyonSyncEnv) { Invoke-Expression ($AyonSyncEnv -join "`n") }
Remove-Variable AyonSyncPython, AyonSyncEnv
