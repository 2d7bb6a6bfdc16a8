"""Each language-model call in a llama.cpp server log (`--keep-logs` of the benches): the prompt
tokens it reused from the server's cache, the ones it read, the tokens it wrote and its time.

    python -m bench.model_calls LOGS_DIR/llm.log [--skip N]

`--skip` leaves out the first N calls (the warm-up's openings, one token each).
"""

from __future__ import annotations

import argparse
import re
import statistics
from dataclasses import dataclass
from pathlib import Path

PREFIX_HIT = re.compile(r"(\d+) prefix-match hit, remaining (\d+) prompt tokens")
PROMPT_EVAL = re.compile(r"prompt eval time =\s+[\d.]+ ms /\s+(\d+) tokens")
WROTE = re.compile(r"wrote (\d+) tokens")
GENERATED = re.compile(r"^llama_perf_context_print:\s+eval time =\s+[\d.]+ ms /\s+(\d+) runs")
TOTAL = re.compile(r"total time =\s+([\d.]+) ms")


@dataclass(frozen=True)
class Call:
    reused: int
    read: int
    written: int
    seconds: float


def calls(log: str) -> list[Call]:
    found: list[Call] = []
    reused = remaining = evaluated = written = generated = None
    for line in log.splitlines():
        if match := PREFIX_HIT.search(line):
            reused, remaining = int(match.group(1)), int(match.group(2))
        elif match := WROTE.search(line):
            written = int(match.group(1))
        elif match := PROMPT_EVAL.search(line):
            evaluated = int(match.group(1))
        elif match := GENERATED.search(line):
            generated = int(match.group(1))
        elif match := TOTAL.search(line):
            read = remaining if remaining is not None else (evaluated or 0)
            tokens = written if written is not None else (generated or 0)
            found.append(Call(reused or 0, read, tokens, float(match.group(1)) / 1000))
            reused = remaining = evaluated = written = generated = None
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("log", type=Path)
    parser.add_argument("--skip", type=int, default=0)
    args = parser.parse_args()
    found = calls(args.log.read_text(errors="replace"))[args.skip :]
    print("| call | reused | read | written | seconds |\n|---:|---:|---:|---:|---:|")
    for number, call in enumerate(found, start=1):
        print(f"| {number} | {call.reused} | {call.read} | {call.written} | {call.seconds:.1f} |")
    if found:
        reused, read = statistics.median(c.reused for c in found), statistics.median(c.read for c in found)
        written, seconds = (
            statistics.median(c.written for c in found),
            statistics.median(c.seconds for c in found),
        )
        print(f"| median | {reused:.0f} | {read:.0f} | {written:.0f} | {seconds:.1f} |")


if __name__ == "__main__":
    main()
