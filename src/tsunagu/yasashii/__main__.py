"""Entry point of ``python -m tsunagu.yasashii``."""

import sys

from tsunagu.yasashii.cli import main

sys.exit(main())
