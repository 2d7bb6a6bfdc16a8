"""The laptop's own user in embedded mode, and a token for it minted by the server itself."""

from __future__ import annotations

import getpass
import re
import subprocess
import sys
from collections.abc import Mapping

from bundled_services.python_command import module_command

# A reserved name that never resolves off the machine, and that e-mail validation accepts.
LOCAL_DOMAIN = "localhost.localdomain"


def local_identity() -> tuple[str, str]:
    """(email, display name) for the person logged in to this computer."""
    login = getpass.getuser()
    display = login
    if sys.platform != "win32":
        import pwd

        try:
            gecos = pwd.getpwnam(login).pw_gecos.split(",")[0].strip()
        except KeyError:
            gecos = ""
        display = gecos or login
    local_part = re.sub(r"[^a-z0-9._-]", "", login.lower()) or "candidate"
    return f"{local_part}@{LOCAL_DOMAIN}", display


def mint_local_token(server_env: Mapping[str, str]) -> str:
    """Run `python -m app.cli token` for the local user: the JWT secret stays in the server's env."""
    email, name = local_identity()
    result = subprocess.run(  # noqa: S603
        [*module_command("app.cli"), "token", "--email", email, "--name", name],
        env=dict(server_env),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    lines = result.stdout.strip().splitlines()
    if result.returncode != 0 or not lines:
        raise RuntimeError(f"could not sign the local user in: {result.stderr.strip()[-500:]}")
    return lines[-1]
