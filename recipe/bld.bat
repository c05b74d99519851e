@echo off
rem Build script of recipe.yaml (rattler-build) and meta.yaml (conda-build), Windows.
rem The same as build.sh: stage the package's files into %SP_DIR% from the payload (%SRC_DIR%).
if not defined AYON_CONDA set "AYON_CONDA=ayon-conda"
set "AYON_CONDA_CACHE_DIR=%SRC_DIR%\.ayon-conda-cache"
"%AYON_CONDA%" stage "%SRC_DIR%\ayon-publish.lock.json" --package "%AYON_PUBLISH_PACKAGE%" --site-packages "%SP_DIR%" --prefix "%PREFIX%" --offline --wheelhouse "%SRC_DIR%\wheelhouse"
if errorlevel 1 exit 1
