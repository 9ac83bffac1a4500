import sys

from psc_fem.cli.main import main

sys.exit(main())
