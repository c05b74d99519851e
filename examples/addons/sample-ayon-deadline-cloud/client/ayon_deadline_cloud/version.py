# -*- coding: utf-8 -*-
"""Package declaring the SAMPLE AWS Deadline Cloud addon version."""
__version__ = "0.2.0-sample.1"
