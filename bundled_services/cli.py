"""The `ascend` command.

Server commands run in a child Python process (`python -m app.cli`): this package starts the server
as processes and never imports it.
"""

from __future__ import annotations

import os
import sys

SERVER_COMMANDS = frozenset({"token", "migrate"})

USAGE = """usage: ascend COMMAND [options]

commands:
  token --email E [--name N]   create the user if missing and print a JWT for it (last line)
  migrate                      apply the database migrations
"""


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if args else 2
    if args[0] in SERVER_COMMANDS:
        # exec keeps signals, exit codes and stdio exactly those of the server command.
        os.execv(sys.executable, [sys.executable, "-m", "app.cli", *args])  # noqa: S606
    print(f"ascend: unknown command {args[0]!r}\n\n{USAGE}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
