"""``python -m qabot``: the qabot command line."""

import sys

from qabot.cli import main

sys.exit(main())
