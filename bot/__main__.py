"""``python -m bot``: the same as the ``vizbot`` command."""

from bot.cli import main

raise SystemExit(main())
