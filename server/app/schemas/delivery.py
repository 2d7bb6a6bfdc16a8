"""What a spoken answer's delivery is measured by (SCORING_LOGIC_SPECIFICATION): the filler words and
the ideal pace. The server's report counts with these; a client highlights the same fillers and draws
the same band.
"""

from __future__ import annotations

FILLER_WORDS: tuple[str, ...] = ("um", "uh", "like", "you know", "sort of", "kind of")
IDEAL_WPM_LOW = 140.0
IDEAL_WPM_HIGH = 160.0
# A word, as fillers and words per minute are counted: ASCII letters and digits, inner apostrophes
# kept ("don't" is one word), matched on lower-cased text.
WORD_PATTERN = r"[a-z0-9]+(?:'[a-z0-9]+)*"
