import sys

from vecozo_sim.cli import main

sys.exit(main())
