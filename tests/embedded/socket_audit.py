"""Run a command and record every internet socket its process tree opens, sampled until it exits.

    python -m tests.embedded.socket_audit --out REPORT.json -- COMMAND [ARGS...]

The command's stdout and stderr pass through; the exit code is the command's. psutil reads the socket
tables of the network namespace it runs in, so this must run in the same namespace as the command
(the privacy test runs both inside its namespace). The report lists each distinct socket once:
the process name, family (4/6), type (tcp/udp), local and remote address, and TCP state.
"""

from __future__ import annotations

import argparse
import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil

SAMPLE_SECONDS = 0.05


def _tree(root: psutil.Process) -> list[psutil.Process]:
    try:
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _sample(root: psutil.Process, seen: set[tuple[str, ...]], postmaster_file: Path | None) -> None:
    processes = _tree(root)
    if postmaster_file is not None and postmaster_file.exists():
        # PostgreSQL is started through pg_ctl, which detaches it from the tree.
        try:
            postmaster = psutil.Process(int(postmaster_file.read_text().splitlines()[0]))
            processes += _tree(postmaster)
        except (psutil.NoSuchProcess, ValueError, IndexError, OSError):
            pass
    for process in processes:
        try:
            name = process.name()
            connections = process.net_connections(kind="inet")
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        for connection in connections:
            remote = f"{connection.raddr.ip}:{connection.raddr.port}" if connection.raddr else ""
            seen.add(
                (
                    name,
                    "6" if connection.family == socket.AF_INET6 else "4",
                    "udp" if connection.type == socket.SOCK_DGRAM else "tcp",
                    f"{connection.laddr.ip}:{connection.laddr.port}",
                    remote,
                    connection.status,
                )
            )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--pgdata", type=Path, default=None, help="a PostgreSQL data dir to audit as well")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    seen: set[tuple[str, ...]] = set()
    child = subprocess.Popen(command)
    # Ctrl-C (or SIGINT to the group) reaches the command too, which stops cleanly; keep auditing
    # until it has. Set after the fork: an ignored signal would stay ignored in the command.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    root = psutil.Process(child.pid)
    postmaster_file = args.pgdata / "postmaster.pid" if args.pgdata else None
    samples = 0
    while child.poll() is None:
        _sample(root, seen, postmaster_file)
        samples += 1
        time.sleep(SAMPLE_SECONDS)
    fields = ("process", "family", "type", "local", "remote", "status")
    report = {
        "samples": samples,
        "sockets": [dict(zip(fields, entry, strict=True)) for entry in sorted(seen)],
    }
    args.out.write_text(json.dumps(report, indent=1))
    return child.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
