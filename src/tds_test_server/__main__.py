"""`python -m tds_test_server`: see cli.py."""

import sys

from .cli import main

sys.exit(main())
