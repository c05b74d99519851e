"""Step 2, ``ayon-conda build`` and ``verify``: a lock becomes ``.conda`` packages that install.

``build_lock`` runs the step: ``lock_packages`` (which packages a lock makes) ->
``vendored_wheels`` / ``wheelhouse`` (wheels verified) -> ``stage`` (the site-packages tree) ->
``conda_metadata`` (``info/``) -> ``conda_archive`` (reproducible bytes), in-process by
``backends.native`` or through ``recipes`` by ``backends.rattler_build`` / ``conda_build``;
``verify`` installs the result with py-rattler and runs its ``ayon``.
"""

#: The build backends by name (:mod:`ayon_conda.build.backends` implements them); here, so that
#: the command line can offer them without importing the backends.
BACKEND_NAMES = ("native", "rattler-build", "conda-build")
