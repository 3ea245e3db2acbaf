"""``python -m realtimekit_async``: the ``realtimekit`` command."""

from ._cli import main

raise SystemExit(main())
