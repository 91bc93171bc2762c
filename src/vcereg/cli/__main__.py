"""``python -m vcereg.cli``: the same program as the ``vcereg`` command."""

from __future__ import annotations

from . import main

raise SystemExit(main())
