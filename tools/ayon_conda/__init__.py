"""ayon-conda: the release pipeline of the ``ayon-publish`` conda package.

One subpackage per step of the flow (README.md "How it works" draws it):

* :mod:`ayon_conda.pin` -- a bundle becomes a lock: addon sources fetched and hashed, Python
  dependencies resolved, the headless rule applied;
* :mod:`ayon_conda.build` -- a lock becomes ``.conda`` packages: wheels and sources verified,
  staged, archived with reproducible bytes (native or a tool backend), verified by a real installer;
* :mod:`ayon_conda.channel` -- packages become entries of an append-only channel (directory or
  S3), indexed by py-rattler; mirrored for air-gapped sites;
* :mod:`ayon_publish_submit` (its own dependency-free distribution, ``submit/``) -- the pin scheme
  and reading a channel: which package a job uses.

At the top: the command line and what every step shares (errors, progress, the download cache,
S3 access, fixed-field zip entries), and the commands that span steps, each in a module named for
the command (``release``, ``export``, ``addons_upload``, ``matrix``).
"""

__version__ = "0.1.0"
