"""A real microphone for tests: PulseAudio with a null sink whose monitor is remapped as a source.

Speech synthesised by espeak-ng is played into the sink and comes out of the source, which PortAudio
(through ALSA's pulse plugin) records like any microphone. Needs the Debian packages pulseaudio,
pulseaudio-utils, libasound2-plugins, libportaudio2 and espeak-ng.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SINK = "ascend_sink"
SOURCE = "ascend_mic"


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise RuntimeError(f"{name} is missing: apt-get install pulseaudio pulseaudio-utils espeak-ng")
    return path


@dataclass
class VirtualMicrophone:
    root: Path
    env: dict[str, str]

    def say(self, text: str) -> subprocess.Popen[bytes]:
        """Start speaking `text` into the microphone; returns the player process."""
        speech = self.root / f"speech-{time.monotonic_ns()}.wav"
        subprocess.run([_tool("espeak-ng"), "-s", "150", "-w", str(speech), text], check=True, env=self.env)
        return subprocess.Popen(
            [_tool("paplay"), f"--device={SINK}", str(speech)], env=self.env, stderr=subprocess.DEVNULL
        )


@contextmanager
def virtual_microphone(root: Path) -> Iterator[VirtualMicrophone]:
    runtime = root / "pulse"
    runtime.mkdir(parents=True, mode=0o700)
    socket = runtime / "native"
    env = {
        **os.environ,
        "HOME": str(root),
        "PULSE_RUNTIME_PATH": str(runtime),
        "PULSE_STATE_PATH": str(root / "pulse-state"),
        "PULSE_SERVER": f"unix:{socket}",
        "PULSE_SINK": SINK,
        "PULSE_SOURCE": SOURCE,
    }
    log = (root / "pulseaudio.log").open("wb")
    daemon = subprocess.Popen(
        [
            _tool("pulseaudio"),
            "--daemonize=no",
            "--exit-idle-time=-1",
            "--disallow-exit",
            "--disable-shm",
            "-n",  # no default.pa: nothing but the modules below, and no real sound card
            f"--load=module-native-protocol-unix auth-anonymous=1 socket={socket}",
            f"--load=module-null-sink sink_name={SINK} rate=16000 channels=1",
            f"--load=module-remap-source source_name={SOURCE} master={SINK}.monitor",
            "--log-target=stderr",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    try:
        deadline = time.monotonic() + 20
        while subprocess.run([_tool("pactl"), "info"], env=env, capture_output=True, check=False).returncode:
            if daemon.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    "PulseAudio did not start:\n" + (root / "pulseaudio.log").read_text()[-2000:]
                )
            time.sleep(0.2)
        yield VirtualMicrophone(root, env)
    finally:
        daemon.terminate()
        daemon.wait(timeout=10)
        log.close()
