"""What the embedded stack's processes are told about this machine, whatever this run's ports and secrets.

The server's processes run offline (no model hub, no tracing); on the bundled language model they
wait for an answer as long as a slow laptop needs and give an agent a budget it can meet; that model's
server gets one thread per physical core.
"""

from __future__ import annotations

import os

import psutil

LOCAL_LLM_REQUEST_TIMEOUT_SECONDS = 1800
# Room for the bundled model's slowest agent run: llama.cpp cannot cancel a request, so a budget the
# agent cannot meet costs its time and the fallback's (docs/embedded-stack.md#why-these-limits).
LOCAL_AGENT_TIMEOUT_SECONDS = 300

# Embedded mode runs offline: libraries that would phone home (model hubs, tracing) are told not to,
# whatever the user's own environment says.
OFFLINE_ENVIRONMENT = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "LANGCHAIN_TRACING_V2": "false",
    "LANGSMITH_TRACING": "false",
    "DO_NOT_TRACK": "1",
}


def generation_threads() -> int:
    """One llama.cpp thread per physical core.

    llama-cpp-python's server defaults to half the logical CPUs, which is right with two hyperthreads
    per core but leaves half of a laptop's two or four real cores idle while it writes; the worker
    runs one job at a time, so nothing else competes for them then.
    """
    return psutil.cpu_count(logical=False) or max((os.cpu_count() or 2) // 2, 1)
