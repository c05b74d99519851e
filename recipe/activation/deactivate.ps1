# ayon-publish-core (PowerShell, dot-sourced on deactivation): restore what activation changed
# (AYON_ADDONS_DIR). All logic is in ayon_publish/addon_sync.py; this applies its output.
$AyonSyncPython = Join-Path $Env:CONDA_PREFIX 'python.exe'
if (-not (Test-Path -LiteralPath $AyonSyncPython)) { $AyonSyncPython = Join-Path $Env:CONDA_PREFIX 'bin/python' }
$AyonSyncEnv = & $AyonSyncPython -I -m ayon_publish.addon_sync deactivate --shell powershell
if ($AyonSyncEnv) { Invoke-Expression ($AyonSyncEnv -join "`n") }
Remove-Variable AyonSyncPython, AyonSyncEnv
