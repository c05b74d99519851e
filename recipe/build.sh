#!/bin/bash
# Build script of recipe.yaml (rattler-build) and meta.yaml (conda-build), Linux and macOS.
#
# Stages the package's files into $SP_DIR with the code the native backend uses; the build
# tool then packages them as noarch python. Everything comes from the payload ($SRC_DIR),
# checked against the lock's sha256: no network, no credentials. AYON_CONDA is the ayon-conda
# that rendered the recipe (the backends set it); extracted addon trees go to a cache inside
# the work directory, so nothing outside the build is touched.
set -euo pipefail
export AYON_CONDA_CACHE_DIR="$SRC_DIR/.ayon-conda-cache"
"${AYON_CONDA:-ayon-conda}" stage "$SRC_DIR/ayon-publish.lock.json" --package "$AYON_PUBLISH_PACKAGE" \
    --site-packages "$SP_DIR" --prefix "$PREFIX" --offline --wheelhouse "$SRC_DIR/wheelhouse"
