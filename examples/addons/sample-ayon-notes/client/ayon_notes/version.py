# -*- coding: utf-8 -*-
"""Package declaring the SAMPLE notes addon version."""
__version__ = "0.1.0-sample.1"
