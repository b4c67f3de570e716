"""Entry point of the bundled app (PyInstaller): the same as the `netbuilder` command."""

from netbuilder.cli import main

raise SystemExit(main())
