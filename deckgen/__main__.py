"""Allows `python -m deckgen`, the same as the installed `deckgen` command."""

import sys

from deckgen.cli.main import main

sys.exit(main())
