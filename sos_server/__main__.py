"""Entry point for ``python -m sos_server``."""

import sys

from sos_server.cli import main

sys.exit(main())
