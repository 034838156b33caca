import sys

from maskgan.cli import main

sys.exit(main())
