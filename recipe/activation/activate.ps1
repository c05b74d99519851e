# ayon-publish-core (PowerShell, dot-sourced on activation): sync the AYON bundle's addons from S3
# into a node-local cache and point AYON_ADDONS_DIR at it. Nothing happens unless AYON_ADDONS_S3_URI
# is set. All logic is in ayon_publish/addon_sync.py; this applies its output. It never fails: a
# failure is in AYON_ADDONS_SYNC_ERROR, and `ayon` refuses to run with it.
$AyonSyncPython = Join-Path $Env:CONDA_PREFIX 'python.exe'
if (-not (Test-Path -LiteralPath $AyonSyncPython)) { $AyonSyncPython = Join-Path $Env:CONDA_PREFIX 'bin/python' }
try {
    $AyonSyncEnv = & $AyonSyncPython -I -m ayon_publish.addon_sync activate --shell powershell
    $AyonSyncStatus = $LASTEXITCODE
} catch {
    $AyonSyncEnv = $null
    $AyonSyncStatus = 1
}
if ($AyonSyncEnv) { Invoke-Expression ($AyonSyncEnv -join "`n") }
# fail closed: `ayon` refuses to run while this is set, even if python died without a word
if ($AyonSyncStatus -ne 0 -and -not $Env:AYON_ADDONS_SYNC_ERROR) {
    $Env:AYON_ADDONS_SYNC_ERROR = "ayon-publish-core: the addon sync ended with status $AyonSyncStatus and no message; run '$AyonSyncPython -m ayon_publish.addon_sync activate --shell powershell' to see why"
}
Remove-Variable AyonSyncPython, AyonSyncEnv, AyonSyncStatus
