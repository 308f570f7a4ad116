import sys

from daemon.lifecycle import main

sys.exit(main())
