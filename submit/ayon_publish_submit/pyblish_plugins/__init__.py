"""Drop-in pyblish plugins of ayon-publish-submit (pyblish loads the files of this directory by
path and skips names starting with ``_``, such as this one)."""
