"""`python -m maskgan_cli.torchrun ...` is `maskgan train ...`: the form torchrun launches in each process
(`torchrun ... -m maskgan_cli.torchrun -- --config ...`; docs/training.md)."""

import sys

from maskgan_cli.main import main

sys.exit(main(["train", *sys.argv[1:]]))
