"""`python -m app.cli` (and `ascend --run-module app.cli` in the desktop bundle) runs the commands."""

import sys

from app.cli import main

sys.exit(main())
