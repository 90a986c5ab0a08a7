"""`python -m azsql_mcp`: the `azsql-mcp` command, for a client config that names an
interpreter rather than the console script."""

import sys

from azsql_mcp.core.cli import main

sys.exit(main())
