"""A network namespace from which nothing can leave the machine, and which counts every attempt.

Inside: the loopback interface, and a "sinkhole" veth pair whose two ends are both in the namespace
(connected to nothing else). The default route points into the sinkhole, so a connection to any
address off the machine, or a DNS query to the resolver in /etc/resolv.conf, sends packets into it,
where they are counted and go nowhere. With IPv6 off, the kernel itself sends nothing there. So the
sinkhole's transmit counter is the number of packets the programs inside tried to send off the machine.
Needs root (`ip netns add`).
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

SINKHOLE = "sink0"
_SETUP = [
    ["sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"],
    ["ip", "link", "set", "lo", "up"],
    ["ip", "link", "add", SINKHOLE, "type", "veth", "peer", "name", "sink1"],
    ["ip", "addr", "add", "10.254.0.1/24", "dev", SINKHOLE],
    ["ip", "link", "set", "sink1", "up"],
    ["ip", "link", "set", SINKHOLE, "up"],
    ["ip", "route", "add", "default", "via", "10.254.0.2", "dev", SINKHOLE],
]


@dataclass(frozen=True, slots=True)
class IsolatedNamespace:
    name: str

    def command(self, argv: Sequence[str]) -> list[str]:
        return ["ip", "netns", "exec", self.name, *argv]

    def sinkhole_packets(self) -> int:
        """Packets sent towards anywhere off the machine since the namespace was made."""
        shown = subprocess.run(
            ["ip", "-n", self.name, "-s", "-j", "link", "show", SINKHOLE],
            capture_output=True,
            text=True,
            check=True,
        )
        packets: int = json.loads(shown.stdout)[0]["stats64"]["tx"]["packets"]
        return packets

    def interfaces(self) -> list[str]:
        shown = subprocess.run(
            ["ip", "-n", self.name, "-j", "addr", "show"], capture_output=True, text=True, check=True
        )
        return [
            f"{link['ifname']}:{address['local']}"
            for link in json.loads(shown.stdout)
            for address in link.get("addr_info", [])
        ]


@contextmanager
def isolated_namespace() -> Iterator[IsolatedNamespace]:
    namespace = IsolatedNamespace(f"ascend-offline-{os.getpid()}")
    subprocess.run(["ip", "netns", "add", namespace.name], check=True)
    try:
        for step in _SETUP:
            subprocess.run(namespace.command(step), check=True)
        yield namespace
    finally:
        subprocess.run(["ip", "netns", "delete", namespace.name], check=True)
