"""`python -m azsql_mcp.testing.tds_server`: the old name of `python -m tds_test_server`."""

import sys

from tds_test_server.cli import main

sys.exit(main())
