"""`python -m maskgan_cli ...` is `maskgan ...`: the form the Krita plug-in and torchrun launch."""

import sys

from maskgan_cli.main import main

sys.exit(main())
