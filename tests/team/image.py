"""A Dockerfile replayed on this machine without Docker: what its image holds, and how it starts.

Each stage runs its own instructions in order: ENV and ARG (with the build arguments compose passes),
WORKDIR, COPY from the build context (as `.dockerignore` filters it) or from an earlier stage, and
the builder's RUN lines through /bin/sh, so the requirements are computed and installed by the
Dockerfile's own commands. The image's folders (the top folders its WORKDIR and COPY instructions
name: /app, /opt, /build) move below a scratch folder per stage; the base image's /usr/local/bin is
a folder holding this machine's Python of the same minor version. The runtime stage's ENV, WORKDIR,
ENTRYPOINT, CMD and HEALTHCHECK then say how its processes start.

The virtual environment is cached between runs under `~/.cache/ascend-image-venvs/<key>`, the key
being a hash of what is installed into it (for the server, the requirements the Dockerfile computed),
so a changed requirement set builds anew and an unchanged one costs nothing.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tests.team.dockerfile import DockerIgnore, Instruction, Stage, parse

VENV_CACHE = Path.home() / ".cache" / "ascend-image-venvs"
# The python base image's PATH and locale; its other variables (version, signing key) no code reads.
BASE_ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"}
BASE_BIN = "/usr/local/bin"
# What pip needs from this machine to reach its package index and cache, as the build machine's network would.
_BUILD_PASSTHROUGH = re.compile(
    r"^(PIP_\w+|HOME|https?_proxy|HTTPS?_PROXY|no_proxy|NO_PROXY|SSL_CERT_\w+|REQUESTS_CA_BUNDLE)$"
)
# A builder RUN may only use these: anything else (apt-get, curl) would change this machine, not an image.
_BUILD_PROGRAMS = frozenset({"python", "pip", "ln", "mkdir"})
# The runtime stage's RUN lines may only create its user, which the replay cannot do (see `Image.user`).
_USER_PROGRAMS = frozenset({"groupadd", "useradd"})
_VENV_RUN = re.compile(r"^python3? -m venv (\S+)$")
_PIP_INSTALL = re.compile(r"\bpip install\b")
_REQUIREMENTS_FILE = re.compile(r"(?:-r|--requirement)\s+(\S+)")
_VARIABLE = re.compile(r"\$\{(\w+)\}|\$(\w+)")
PIP_INSTALL_SECONDS = 1500
# A venv no run has used for this long goes when another is used: every requirement set tested leaves one.
PRUNE_AFTER_SECONDS = 14 * 24 * 3600
RUN_SECONDS = 900


class ReplayError(RuntimeError):
    """The Dockerfile could not be replayed: the image would not build, or the replay cannot build it."""


@dataclass(slots=True)
class PathMap:
    """Where an image path lives on this machine: below the stage's root, or in a shared folder."""

    root: Path
    tops: tuple[str, ...]
    # Image folders with a host location of their own, shared by every stage (the venv, the base bin).
    shared: dict[str, Path]

    def _pattern(self) -> re.Pattern[str]:
        keys = sorted({*self.shared, *(f"/{top}" for top in self.tops)}, key=len, reverse=True)
        return re.compile(rf"(?<![\w.\-/])({'|'.join(map(re.escape, keys))})(?![\w.\-])")

    def text(self, text: str) -> str:
        def host(match: re.Match[str]) -> str:
            key = match.group(1)
            return str(self.shared[key]) if key in self.shared else f"{self.root}{key}"

        return self._pattern().sub(host, text)

    def path(self, image_path: str) -> Path:
        assert image_path.startswith("/"), image_path
        return Path(self.text(image_path))


@dataclass(slots=True)
class Image:
    """The runtime stage as it would start: every value already moved to this machine's paths."""

    dockerfile: Path
    paths: PathMap
    venv: Path
    env: dict[str, str]
    workdir: Path
    entrypoint: list[str]
    cmd: list[str]
    healthcheck: list[str] | None
    exposed: list[int]
    # The USER the image runs as. The replay runs as whoever runs the tests: it cannot switch users.
    user: str | None
    home: Path

    def host_text(self, text: str) -> str:
        return self.paths.text(text)


@dataclass(slots=True)
class _StageState:
    paths: PathMap
    env: dict[str, str] = field(default_factory=lambda: dict(BASE_ENV))
    args: dict[str, str] = field(default_factory=dict)
    workdir: str = "/"
    entrypoint: list[str] = field(default_factory=list)
    cmd: list[str] = field(default_factory=list)
    healthcheck: list[str] | None = None
    exposed: list[int] = field(default_factory=list)
    user: str | None = None
    home: str | None = None


@dataclass(slots=True)
class _Venv:
    image_path: str | None = None
    create: str | None = None
    host: Path | None = None


def expand(value: str, variables: Mapping[str, str]) -> str:
    """`$NAME` and `${NAME}` as Docker expands them in ENV (unset ones are empty)."""
    return _VARIABLE.sub(lambda m: variables.get(m.group(1) or m.group(2), ""), value)


def _words(arguments: str) -> list[str]:
    if arguments.lstrip().startswith("["):
        return Instruction("", arguments).exec_form()
    return shlex.split(arguments)


def _command(arguments: str) -> list[str]:
    """CMD/ENTRYPOINT/HEALTHCHECK CMD: the exec form as written, the shell form through /bin/sh."""
    if arguments.lstrip().startswith("["):
        return Instruction("", arguments).exec_form()
    return ["/bin/sh", "-c", arguments]


def _programs(command: str) -> list[str]:
    return [Path(shlex.split(part)[0]).name for part in command.split("&&") if part.strip()]


def _tops(stages: list[Stage]) -> tuple[str, ...]:
    """The image's own top folders: every absolute path a WORKDIR or COPY names starts in one."""
    found: set[str] = set()
    for stage in stages:
        for item in stage.instructions:
            if item.keyword == "WORKDIR":
                named = [item.arguments]
            elif item.keyword == "COPY":
                words = [word for word in _words(item.arguments) if not word.startswith("--")]
                from_stage = any(word.startswith("--from=") for word in _words(item.arguments))
                named = words if from_stage else words[-1:]
            else:
                continue
            found |= {path.split("/")[1] for path in named if path.startswith("/") and path != "/"}
    return tuple(sorted(found))


def base_bin(scratch_home: Path) -> Path:
    """A folder holding `python` (this interpreter's base, as the base image's /usr/local/bin holds its own).

    It lives in the cache, not in a test's scratch folder: a venv made from it links back to it.
    """
    interpreter = Path(getattr(sys, "_base_executable", sys.executable)).resolve()
    folder = scratch_home / f"base-python-{hashlib.sha256(str(interpreter).encode()).hexdigest()[:12]}"
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("python", "python3", f"python{sys.version_info.major}.{sys.version_info.minor}"):
        link = folder / name
        if not link.is_symlink() or link.resolve() != interpreter:
            link.unlink(missing_ok=True)
            link.symlink_to(interpreter)
    return folder


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _prune(keep: str) -> None:
    """Delete the venvs no run has used for `PRUNE_AFTER_SECONDS` (one builds for every requirement set)."""
    cutoff = time.time() - PRUNE_AFTER_SECONDS
    for lock in VENV_CACHE.glob("*.lock"):
        folder = VENV_CACHE / lock.stem
        used = folder / ".last-used"
        if lock.stem == keep or (used if used.exists() else lock).stat().st_mtime > cutoff:
            continue
        with lock.open("w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # being built right now
            shutil.rmtree(folder, ignore_errors=True)
        lock.unlink(missing_ok=True)


def _tail(path: Path, characters: int = 4000) -> str:
    return path.read_text(errors="replace")[-characters:] if path.exists() else "(no log)"


class _Replay:
    def __init__(
        self,
        dockerfile: Path,
        context: Path,
        build_args: Mapping[str, str],
        scratch: Path,
        before_run: Callable[[str], None],
    ) -> None:
        self.dockerfile = dockerfile
        self.context = context
        self.build_args = dict(build_args)
        self.scratch = scratch
        self.before_run = before_run
        self.log = scratch / "build.log"
        self.ignore = DockerIgnore.read(context)
        self.global_args, self.stages = parse(dockerfile)
        self.venv = _Venv()
        self.shared: dict[str, Path] = {BASE_BIN: base_bin(VENV_CACHE)}
        self.tops = _tops(self.stages)
        self.states: dict[str, _StageState] = {}
        self.consumed: set[str] = set()

    def run(self) -> Image:
        state = _StageState(paths=PathMap(self.scratch, self.tops, self.shared))
        python = f"python:{sys.version_info.major}.{sys.version_info.minor}."
        for index, stage in enumerate(self.stages):
            if not stage.base.startswith(python):
                raise ReplayError(
                    f"{self.dockerfile}: the replay runs this machine's {python}x, not {stage.base}"
                )
            runtime = index == len(self.stages) - 1
            root = self.scratch / (stage.name or f"stage-{index}")
            root.mkdir(parents=True, exist_ok=True)
            state = _StageState(paths=PathMap(root, self.tops, self.shared))
            for item in stage.instructions:
                self._instruction(item, state, runtime=runtime)
            self.states[stage.name or str(index)] = state
        unused = set(self.build_args) - self.consumed
        if unused:
            raise ReplayError(f"{self.dockerfile}: build arguments no ARG declares: {sorted(unused)}")
        if self.venv.host is None:
            raise ReplayError(f"{self.dockerfile}: no `python -m venv` filled by `pip install` was found")
        # The user's home as useradd would make it, inside the image's root (never this machine's /home).
        home = state.paths.root / (state.home or "/root").lstrip("/")
        home.mkdir(parents=True, exist_ok=True)
        return Image(
            dockerfile=self.dockerfile,
            paths=state.paths,
            venv=self.venv.host,
            env={key: state.paths.text(value) for key, value in state.env.items()},
            workdir=state.paths.path(state.workdir),
            entrypoint=[state.paths.text(word) for word in state.entrypoint],
            cmd=[state.paths.text(word) for word in state.cmd],
            healthcheck=[state.paths.text(word) for word in state.healthcheck] if state.healthcheck else None,
            exposed=state.exposed,
            user=state.user,
            home=home,
        )

    def _instruction(self, item: Instruction, state: _StageState, *, runtime: bool) -> None:
        keyword, arguments = item.keyword, item.arguments
        if keyword == "ENV":
            for word in _words(arguments):
                key, sep, value = word.partition("=")
                if not sep:
                    raise ReplayError(f"ENV without `=` is not replayed: {arguments}")
                state.env[key] = expand(value, state.env)
        elif keyword == "ARG":
            for word in _words(arguments):
                key, _, default = word.partition("=")
                self.consumed.add(key)
                state.args[key] = self.build_args.get(key, default or self.global_args.get(key, ""))
        elif keyword == "WORKDIR":
            workdir = expand(arguments, state.env)
            state.workdir = workdir if workdir.startswith("/") else f"{state.workdir.rstrip('/')}/{workdir}"
            state.paths.path(state.workdir).mkdir(parents=True, exist_ok=True)
        elif keyword == "COPY":
            self._copy(arguments, state)
        elif keyword == "RUN":
            if runtime:
                self._user_run(arguments, state)
            else:
                self._run(arguments, state)
        elif keyword == "CMD":
            state.cmd = _command(arguments)
        elif keyword == "ENTRYPOINT":
            state.entrypoint = _command(arguments)
        elif keyword == "HEALTHCHECK":
            state.healthcheck = (
                None if arguments.strip() == "NONE" else _command(arguments.split("CMD", 1)[1])
            )
        elif keyword == "EXPOSE":
            state.exposed += [int(word.split("/")[0]) for word in _words(arguments)]
        elif keyword == "USER":
            state.user = arguments
        elif keyword != "LABEL":
            raise ReplayError(f"{self.dockerfile}: the replay does not know {keyword}")

    def _copy(self, arguments: str, state: _StageState) -> None:
        words = _words(arguments)
        flags = [word for word in words if word.startswith("--")]
        *sources, destination = [word for word in words if not word.startswith("--")]
        if not destination.startswith("/"):
            destination = f"{state.workdir.rstrip('/')}/{destination}"
        target = state.paths.path(destination)
        from_stage = next((flag.split("=", 1)[1] for flag in flags if flag.startswith("--from=")), None)
        for source in sources:
            if from_stage is not None:
                origin = self.states[from_stage].paths.path(source)
                if origin.resolve() == target.resolve():
                    continue  # a shared folder (the venv): the same files in both stages
                if origin.is_dir():
                    # Symlinks stay symlinks: the provisioned models link to this machine's verified copies.
                    shutil.copytree(origin, target, symlinks=True, dirs_exist_ok=True)
                else:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(origin, target, follow_symlinks=False)
                continue
            origin = self.context / source
            if self.ignore.excludes(source):
                raise ReplayError(f"{self.dockerfile}: COPY {source}, which .dockerignore leaves out")
            if origin.is_dir():
                shutil.copytree(origin, target, ignore=self._ignored_names, dirs_exist_ok=True)
            else:
                into = target / origin.name if destination.endswith("/") else target
                into.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(origin, into)

    def _ignored_names(self, folder: str, names: list[str]) -> set[str]:
        relative = Path(folder).relative_to(self.context).as_posix()
        prefix = "" if relative == "." else f"{relative}/"
        return {name for name in names if self.ignore.excludes(prefix + name)}

    def _user_run(self, arguments: str, state: _StageState) -> None:
        programs = _programs(arguments)
        if not set(programs) <= _USER_PROGRAMS:
            raise ReplayError(
                f"{self.dockerfile}: the runtime stage runs {programs}, replayed: {sorted(_USER_PROGRAMS)}"
            )
        home = re.search(r"--home-dir\s+(\S+)", arguments)
        state.home = home.group(1) if home else None

    def _environment(self, state: _StageState) -> dict[str, str]:
        host = {key: value for key, value in os.environ.items() if _BUILD_PASSTHROUGH.match(key)}
        env = {**host, **{key: state.paths.text(value) for key, value in state.env.items()}, **state.args}
        # The image installs without pip's cache; the replay reads it, so a rebuild is quicker.
        env.pop("PIP_NO_CACHE_DIR", None)
        return env

    def _sh(self, command: str, state: _StageState, timeout: float = RUN_SECONDS) -> None:
        programs = _programs(command)
        if not set(programs) <= _BUILD_PROGRAMS:
            raise ReplayError(
                f"{self.dockerfile}: a builder RUN uses {programs}, the replay runs {sorted(_BUILD_PROGRAMS)}"
            )
        env = self._environment(state)
        host_command = state.paths.text(command)
        self.before_run(expand(host_command, {**env, **state.args}))
        with self.log.open("a") as log:
            log.write(f"\n$ {host_command}\n")
            log.flush()
            try:
                finished = subprocess.run(
                    ["/bin/sh", "-c", host_command],
                    cwd=state.paths.path(state.workdir),
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    timeout=timeout,
                    check=False,
                )
            except subprocess.TimeoutExpired:
                raise ReplayError(f"`{command[:200]}` took over {timeout:.0f}s:\n{_tail(self.log)}") from None
        if finished.returncode != 0:
            raise ReplayError(
                f"{self.dockerfile}: `{command[:300]}` exited with {finished.returncode}:\n{_tail(self.log)}"
            )

    def _run(self, arguments: str, state: _StageState) -> None:
        if arguments.lstrip().startswith("["):
            command = shlex.join(Instruction("", arguments).exec_form())
        else:
            command = arguments
        venv = _VENV_RUN.match(command.strip())
        if venv is not None:
            # Made only when its packages are known: the cache is keyed by them.
            self.venv.image_path, self.venv.create = venv.group(1), command
            return
        if not _PIP_INSTALL.search(command):
            self._sh(command, state)
            return
        parts = [part.strip() for part in command.split("&&")]
        first = next(index for index, part in enumerate(parts) if _PIP_INSTALL.search(part))
        if first:
            self._sh(" && ".join(parts[:first]), state)
        self._install(" && ".join(parts[first:]), state)

    def _install(self, command: str, state: _StageState) -> None:
        if self.venv.create is None or self.venv.image_path is None:
            raise ReplayError(f"{self.dockerfile}: `pip install` before any `python -m venv`")
        if self.venv.host is not None:
            raise ReplayError(
                f"{self.dockerfile}: the replay caches one `pip install` per image, found a second"
            )
        workdir = state.paths.path(state.workdir)
        requirements = {name: (workdir / name).read_text() for name in _REQUIREMENTS_FILE.findall(command)}
        material = json.dumps(
            {
                "python": sys.version,
                "base": str(self.shared[BASE_BIN]),
                "venv": self.venv.create,
                "install": command,
                "args": state.args,
                "requirements": requirements,
            },
            sort_keys=True,
        )
        key = hashlib.sha256(material.encode()).hexdigest()[:24]
        folder = VENV_CACHE / key
        venv = folder / "venv"
        self.shared[self.venv.image_path] = venv
        with _locked(VENV_CACHE / f"{key}.lock"):
            done = folder / ".complete"
            with self.log.open("a") as log:
                log.write(f"\n# venv {venv} ({'cached' if done.exists() else 'building'})\n")
            if not done.exists():
                shutil.rmtree(folder, ignore_errors=True)
                folder.mkdir(parents=True)
                (folder / "key.json").write_text(material)
                self._sh(self.venv.create, state)
                self._sh(command, state, timeout=PIP_INSTALL_SECONDS)
                done.touch()
            (folder / ".last-used").touch()
        self.venv.host = venv
        _prune(keep=key)


def replay(
    dockerfile: Path,
    *,
    context: Path,
    build_args: Mapping[str, str],
    scratch: Path,
    before_run: Callable[[str], None] = lambda command: None,
) -> Image:
    """Build `dockerfile`'s image into `scratch` (the venv into the cache); `before_run` sees each builder
    RUN as it will run, its paths on this machine and its variables expanded."""
    scratch.mkdir(parents=True, exist_ok=True)
    return _Replay(dockerfile, context, build_args, scratch, before_run).run()
