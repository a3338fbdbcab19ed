"""Allow ``python -m sim`` to behave like the ``rollout-sim`` console script."""

from sim.cli import main

raise SystemExit(main())
