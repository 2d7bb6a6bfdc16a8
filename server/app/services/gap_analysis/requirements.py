"""Reading a job description's requirements, and the resume lines they are judged against, off the text.

No model here: a job description's structure (its bullets, its headings, a "Nice to have" section, an
inline list of short items) gives its requirements and its nice-to-have items, each cleaned of bullet
marks and lead-ins and given once; a resume is split into its lines; `key_terms` picks the words that
carry a requirement, and `grounded` checks that a requirement the model extracted comes from the job
description.
"""

from __future__ import annotations

import re

MAX_REQUIREMENTS = 20
MIN_LIST_ITEMS = 3
SHORT_ITEM_WORDS = 5
MAX_RESUME_LINES = 200
MIN_WORDS = 1
MAX_TITLE_WORDS = 10

_SPLIT_SENTENCES = re.compile(r"(?<=[.;!?])\s+|\n+")
_BULLET = re.compile(r"^\s*(?:[-*•·▪◦]|\d+[.)])\s*")
_LEAD_IN = re.compile(
    r"^(?:requirements?|qualifications?|must[- ]haves?|nice to have|you have|you will|what you(?:'ll)? bring|"
    r"responsibilities|skills)\s*:\s*",
    re.IGNORECASE,
)
# Where a job description turns from what it requires to what it would merely like.
_NICE_HEADING = re.compile(
    r"^\s*(?:nice[- ]to[- ]haves?|bonus(?: points)?|preferred(?: qualifications)?|pluses|extra credit|"
    r"good to have|it would be (?:great|nice)|we'd love|would be a plus)\b.*$",
    re.IGNORECASE | re.MULTILINE,
)
_NICE_SENTENCE = re.compile(
    r"\b(?:is|are|would be) (?:a )?(?:plus|bonus|nice to have)\b|\bnice[- ]to[- ]have\b|\bbonus points?\b|"
    r"\bit would be (?:great|nice)\b|\bpreferred\b",
    re.IGNORECASE,
)
_HEADING = re.compile(r"^\s*[A-Z][^.!?\n]{0,60}:\s*$", re.MULTILINE)
_EMPLOYER_PITCH = re.compile(
    r"^(?:we(?:'re| are)\s+(?:looking|hiring|seeking|a|an|the)|about\s+(?:us|the\s+(?:role|company))"
    r"|join\s+us|our\s+(?:company|mission|team\s+is))\b",
    re.IGNORECASE,
)
# A line break inside a sentence: the line before doesn't end one, the line after isn't a bullet.
_WRAPPED = re.compile(r"(?<=[^\s.;:!?])[ \t]*\n(?![ \t]*(?:\n|[-*•·▪◦]|\d+[.)]))[ \t]*")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9+#.\-]*[A-Za-z0-9+#]|[A-Za-z]|\d+\+?")
_STOPWORDS = frozenset(
    {
        "a", "an", "and", "the", "of", "to", "in", "on", "for", "with", "our", "your", "we", "you", "will",
        "be", "is", "are", "as", "at", "by", "or", "from", "this", "that", "their", "who", "what", "have",
        "has", "experience", "years", "year", "strong", "excellent", "ability", "able", "work", "working",
        "team", "teams",
    }
)  # fmt: skip


def clean(fragment: str) -> str:
    fragment = _BULLET.sub("", fragment.strip())
    fragment = _LEAD_IN.sub("", fragment)
    return " ".join(fragment.split()).strip(" ,;:.-")


def job_title(job_description: str) -> str | None:
    """The heading line a job description often starts with ("Senior Engineer, Payments Platform")."""
    lines = job_description.strip().splitlines()
    if len(lines) < 2 or lines[1].strip():
        return None
    first = lines[0].strip()
    if not first or first[-1] in ".;:!?" or len(first.split()) > MAX_TITLE_WORDS:
        return None
    return first


def split_nice_to_have(job_description: str) -> tuple[str, str]:
    """The job description's requirements part and its nice-to-have part: a "Nice to have" (bonus,
    preferred) heading starts the latter, which runs to the next heading; a sentence saying an item
    "is a plus" belongs to it wherever it stands."""
    required: list[str] = []
    nice: list[str] = []
    in_nice = False
    # A nice-to-have sentence wrapped onto the next line takes that line's text up to its full stop.
    continued = False
    for line in job_description.splitlines():
        if _NICE_HEADING.match(line):
            in_nice = True
        elif _HEADING.match(line) or (in_nice and not line.strip() and nice and not nice[-1].strip()):
            in_nice = False
        if in_nice:
            nice.append(line)
            continue
        kept: list[str] = []
        for position, sentence in enumerate(re.split(r"(?<=[.!?])\s+", line)):
            nice_sentence = _NICE_SENTENCE.search(sentence) is not None or (continued and position == 0)
            (nice if nice_sentence else kept).append(sentence)
            continued = nice_sentence and not sentence.rstrip().endswith((".", "!", "?"))
        required.append(" ".join(kept))
    return "\n".join(required), "\n".join(nice)


def nice_to_have_candidates(job_description: str) -> list[str]:
    """The nice-to-have items, one per listed tool or skill."""
    _, nice = split_nice_to_have(job_description)
    items: list[str] = []
    for sentence in _SPLIT_SENTENCES.split(_WRAPPED.sub(" ", nice)):
        cleaned = _NICE_LEAD.sub("", clean(_NICE_HEADING_WORDS.sub("", clean(sentence))))
        cleaned = _NICE_TAIL.sub("", cleaned).strip(" ,;:.")
        # "Dagster, Apache Iceberg or Great Expectations" is three tools; "Next.js or other
        # server-side rendering experience" is one item, and so is anything in brackets.
        parts = [part for part in re.split(r",\s*(?:or\s+|and\s+)?|\s+or\s+", cleaned) if part.strip()]
        if "(" not in cleaned and all(len(part.split()) <= 2 for part in parts):
            items.extend(parts)
        elif cleaned:
            items.append(cleaned)
    return dedupe([clean(item) for item in items if clean(item)])[:MAX_REQUIREMENTS]


_NICE_HEADING_WORDS = re.compile(
    r"^(?:nice[- ]to[- ]haves?|bonus(?: points)?|preferred(?: qualifications)?|pluses|good to have)\s*:?\s*",
    re.IGNORECASE,
)
_NICE_LEAD = re.compile(
    r"^(?:it would be (?:great|nice) if you (?:have|had)|we'd love|(?:experience|familiarity) (?:with|in)|"
    r"knowledge of)\s*:?\s*",
    re.IGNORECASE,
)
_NICE_TAIL = re.compile(r"\s*(?:is|are|would be) (?:a )?(?:plus|bonus|nice to have).*$", re.IGNORECASE)


_REQUIREMENT_HEADING = re.compile(
    r"\b(?:requirements?|qualifications?|you have|you bring|bring|you(?:'ll| will) need|need|"
    r"look(?:ing)? for|must[- ]haves?|about you|who you are|you are|skills|experience|what we expect)\b",
    re.IGNORECASE,
)
# Prose under a requirements heading often holds two in one sentence: "..., and you write tests ...".
_PROSE_JOINT = re.compile(r",?\s+and (?=(?:you|we)\s)|;\s+")


def _is_heading(lines: list[str], index: int) -> bool:
    line = lines[index].strip()
    if not line or _BULLET.match(line):
        return False
    if line.endswith(":") and len(line.split()) <= 8:
        return True
    before = lines[index - 1].strip() if index > 0 else ""
    after = lines[index + 1].strip() if index + 1 < len(lines) else ""
    return not before and bool(after) and len(line.split()) <= 6 and line[-1] not in ".;,!?"


def _sections(body: str) -> list[tuple[str | None, list[str], str]]:
    """(heading, bullet items, prose) per section of a job description, each bullet whole (a bullet
    wrapped over two lines is one item)."""
    lines = body.splitlines()
    sections: list[tuple[str | None, list[str], str]] = []
    heading: str | None = None
    bullets: list[str] = []
    prose: list[str] = []
    in_bullet = False

    def close() -> None:
        if bullets or prose or heading:
            sections.append((heading, list(bullets), " ".join(prose)))

    for index, raw in enumerate(lines):
        line = raw.strip()
        if _is_heading(lines, index):
            close()
            heading, bullets, prose, in_bullet = line.rstrip(":"), [], [], False
        elif _BULLET.match(line):
            bullets.append(_BULLET.sub("", line))
            in_bullet = True
        elif not line:
            in_bullet = False
        elif in_bullet and bullets:
            bullets[-1] = f"{bullets[-1]} {line}"
        else:
            prose.append(line)
    close()
    return sections


def _prose_items(prose: str) -> list[str]:
    items: list[str] = []
    for sentence in _SPLIT_SENTENCES.split(prose):
        for part in _PROSE_JOINT.split(sentence):
            cleaned = clean(part)
            if not cleaned or _EMPLOYER_PITCH.match(cleaned):
                continue
            # An inline list of short items ("Go, Terraform, incident leadership") is several; a
            # sentence that names two skills ("... Python and know PyTorch well") stays one.
            pieces = [clean(piece) for piece in re.split(r",\s+(?:and\s+|or\s+)?", cleaned)]
            short = len(pieces) >= MIN_LIST_ITEMS and all(
                len(piece.split()) <= SHORT_ITEM_WORDS for piece in pieces
            )
            items.extend(pieces if short else [cleaned])
    return items


def requirement_candidates(job_description: str) -> list[str]:
    """Requirements read off the job description's structure: every bullet, whole, and the sentences
    under a requirements heading ("Requirements:", "You have", "About you"). The introduction (the
    employer's pitch, the role's duties) counts only when no section names requirements; the title
    and the nice-to-have items never do.
    """
    title = job_title(job_description)
    body = job_description.strip()[len(title) :] if title else job_description
    body, _ = split_nice_to_have(body)
    sections = _sections(body)
    named = any(heading and _REQUIREMENT_HEADING.search(heading) for heading, _, _ in sections)
    found: list[str] = []
    for heading, bullets, prose in sections:
        found.extend(bullets)
        if not named or (heading and _REQUIREMENT_HEADING.search(heading)):
            found.extend(_prose_items(prose))
    cleaned = [clean(item) for item in found]
    return dedupe([item for item in cleaned if len(_WORD.findall(item)) >= MIN_WORDS])[:MAX_REQUIREMENTS]


def resume_lines(resume_text: str) -> list[str]:
    lines = [clean(part) for part in _SPLIT_SENTENCES.split(resume_text)]
    return dedupe([line for line in lines if len(line.split()) >= 2])[:MAX_RESUME_LINES]


def dedupe(items: list[str]) -> list[str]:
    seen: set[str] = set()
    unique = []
    for item in items:
        key = item.lower()
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique


def key_terms(requirement: str) -> list[str]:
    """Words that carry the requirement: names of technologies, numbers, uncommon words."""
    return [word for word in _WORD.findall(requirement) if word.lower() not in _STOPWORDS and len(word) > 1]


def grounded(requirement: str, job_description: str) -> bool:
    """Whether a requirement the model extracted really comes from the job description."""
    terms = key_terms(requirement)
    if not terms:
        return False
    lowered = job_description.lower()
    return sum(term.lower() in lowered for term in terms) / len(terms) >= 0.6
