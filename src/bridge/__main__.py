"""``python -m bridge``: the same as the ``bridge`` command."""

from bridge.app.cli import main

raise SystemExit(main())
