"""``python -m ayon_publish`` is ``ayon``."""

import sys

from ayon_publish.bootstrap import main

sys.exit(main())
