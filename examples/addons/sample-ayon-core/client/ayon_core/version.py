# -*- coding: utf-8 -*-
"""Package declaring the SAMPLE AYON core addon version."""
__version__ = "1.9.0-sample.1"
