"""ayon-publish: headless AYON for AWS Deadline Cloud workers.

This package ships inside the ``ayon-publish`` conda package and must work with nothing but
that package installed: it imports nothing from the ``ayon_conda`` pipeline. Its ``ayon``
command (:mod:`ayon_publish.bootstrap`) puts the vendored libraries and baked addons in place
and hands over to ayon-core's CLI.
"""
