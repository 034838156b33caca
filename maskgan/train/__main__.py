"""`python -m maskgan.train ...` is `maskgan train ...`: the form torchrun launches (`torchrun ... -m maskgan.train`)."""

import sys

from maskgan.cli import main

sys.exit(main(["train", *sys.argv[1:]]))
