"""How dates, durations and statuses read on screen."""

from __future__ import annotations

from datetime import datetime

STATUS_WORDS = {
    "pending": ("Waiting", "muted"),
    "processing": ("Working…", "info"),
    "complete": ("Ready", "success"),
    "failed": ("Failed", "danger"),
}


def when(moment: datetime | None) -> str:
    if moment is None:
        return ""
    local = moment.astimezone()
    today = datetime.now().astimezone().date()
    if local.date() == today:
        return f"Today {local:%H:%M}"
    return f"{local:%d %b %Y, %H:%M}"


def clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 60:02d}:{whole % 60:02d}"


def status_words(status: str | None) -> tuple[str, str]:
    """(label, chip kind) for a server status."""
    return STATUS_WORDS.get(status or "pending", ("Unknown", "muted"))


def first_name(name: str | None) -> str:
    return (name or "").split(" ")[0]
