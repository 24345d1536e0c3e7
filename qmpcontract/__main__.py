"""Allow ``python -m qmpcontract``."""

from qmpcontract.cli import main

raise SystemExit(main())
