"""`python -m compare`: the same as the `diffcompare` command."""

import sys

from .cli import main

sys.exit(main(prog="python -m compare"))
