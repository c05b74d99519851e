"""Step 2, ``ayon-conda build`` and ``verify``: a lock becomes ``.conda`` packages that install.

``build_lock`` runs the step: ``lock_packages`` (which packages a lock makes) ->
``vendored_wheels`` / ``wheelhouse`` (wheels verified) -> ``stage`` (the site-packages tree) ->
``conda_metadata`` (``info/``) -> ``conda_archive`` (reproducible bytes), in-process by
``backends.native`` or through ``recipes`` by ``backends.rattler_build`` / ``conda_build``;
``verify`` installs the result with py-rattler and runs its ``ayon``.
"""
