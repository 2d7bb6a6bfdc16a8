"""What a unit of speech says about itself, read by code: cues of each STAR role and of specificity.

Cues are one signal beside the example-sentence classifier (`evidence`); they catch what embeddings
blur, such as "I would ..." (a hypothetical, no action taken) against "I did ...".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.services.coaching.facts import facts_of
from app.services.coaching.transcript import without_fillers

LABELS = ("situation", "task", "action", "result", "other")

_I = r"(?:i|we)"
_PAST_IRREGULAR = (
    "wrote|built|set|ran|made|took|led|spoke|met|found|went|put|began|brought|chose|drew|drove|got|gave|"
    "held|kept|left|let|paid|read|rewrote|sat|sent|shipped|split|spent|stood|taught|told|thought|tore|"
    "undertook|won|dug|broke|cut|fed|hired|did|sought|rolled|pulled|pushed|paired"
)
# Past tenses that report a state or a perception, not a step taken: "I owned the service" is a task,
# "we noticed errors" a situation, "I learned" a result.
_NOT_ACTIONS = (
    "owned|needed|wanted|noticed|realized|realised|learned|learnt|used|liked|loved|hated|believed|"
    "seemed|tried|assumed|expected|hoped|wished|supposed|worried|struggled|joined|started out|inherited"
)
_ACTION = re.compile(
    rf"\b{_I}\s+(?:then\s+|also\s+|first\s+|quickly\s+|personally\s+|just\s+|eventually\s+|finally\s+)?"
    rf"(?!(?:{_NOT_ACTIONS})\b)(?:[a-z]+ed|{_PAST_IRREGULAR})\b",
    re.IGNORECASE,
)
# What someone would do, could do or usually does is no step taken.
_HYPOTHETICAL = re.compile(
    # "I'd" before a participle is "I had": "I'd rewritten the parser" happened.
    r"\b(?:i would|i'd(?! (?:already |just |never |also )?(?:been|had|gone|done|got|made|built|put|set|"
    r"run|cut|sent|spent|left|kept|found|led|met|brought|bought|thought|taught|told|held|read|heard|won|"
    r"begun|paid|lost|[a-z]+(?:ed|en|wn))\b)|"
    # "I could" in a story is what was possible ("as much as I could"); "I could have" did not happen.
    r"i could have|i should|i'll|i will|if i (?:had|were|was)|my (?:approach|"
    r"philosophy) is|i (?:usually|always|tend to|try to|like to))\b",
    re.IGNORECASE,
)
# Verbs in a series after a first-person action are further steps: "I wrote a parser, ran both side
# by side, and diffed the output" is three actions.
_SERIES = re.compile(
    rf"(?:,\s*(?:and\s+)?(?:then\s+)?|\s+and\s+(?:then\s+)?)(?!(?:{_NOT_ACTIONS})\b)(?:[a-z]+ed|{_PAST_IRREGULAR})\b",
    re.IGNORECASE,
)
# Recognition received is an outcome, not a step taken: "I won the regional sales award twice",
# "I got promoted to senior".
_RECEIVED = re.compile(
    r"\b(?:i|we) (?:also |then |later |eventually )?(?:won|received|earned|got|was given|were given|"
    r"picked up|took home)(?: [a-z']+){0,4}? (?:awards?|prizes?|promotions?|bonus(?:es)?|medals?|trophy|"
    r"trophies|recognition)\b|\b(?:i|we) (?:also |then |later |eventually )?(?:got|was|were) promoted\b",
    re.IGNORECASE,
)
_ACTION_LEAD = re.compile(
    r"^(?:\W*(?:so|and|then|first|next|after that|finally)\b[, ]*)+\s*i\b", re.IGNORECASE
)


def _any_of(*phrases: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(phrases) + r")\b", re.IGNORECASE)


_TASK = _any_of(
    r"my (?:tasks?|jobs?|goals?|roles?|responsibilit(?:y|ies)|missions?|assignments?|challenges?|mandate)",
    r"the (?:goal|task|challenge|ask|mandate|target)(?: from(?: [a-z]+){1,3}?)? was",
    r"i was (?:asked|responsible|tasked|assigned|in charge|the (?:\w+ )?lead|supposed|expected|brought in)",
    # "I was the backend engineer assigned to build it": the role may come first.
    r"i was (?:the|an?) (?:[a-z]+ ){1,3}(?:assigned|asked|tasked|brought in|hired) to",
    r"i had to|i needed to|i (?:was going|had) to (?:own|lead|fix|deliver)|i owned",
    r"it (?:was|fell) (?:up )?(?:to me|on me|my job)",
    # "my district manager Teodoro gave me": who asked may be named (a heard name may be several words).
    r"(?:they|(?:my|our) (?:[a-z]+ )?"
    r"(?:manager|boss|director|lead|team lead|tech lead|vp|cto|ceo|supervisor|head of \w+)"
    r"(?: [a-z]+){0,3}|the cto|he|she) (?:asked|wanted|gave|told|needed) me",
    # Whoever hands the speaker the job: "the owner told me to", "the partner gave me three months to".
    r"(?:asked|told|wanted|needed|expected) me to|gave me (?:[a-z]+ ){1,4}?to",
    r"i (?:owned|was responsible for|took (?:on|over)|volunteered)",
)
_RESULT = _any_of(
    r"as a result|(?:in|at) the end(?! of)|in the long run|eventually|ended up|result(?:ed)? (?:was|in)",
    r"outcome",
    r"dropped|fell|rose|went (?:up|down|from)|reduced|increased|improved|saved|(?<!to )cut (?:the|our|it)",
    r"doubled|halved|tripled|grew|shipped on time|delivered on time|launched|since then|ever since",
    r"still (?:use|uses|used)|learned|learnt|taught me|got promoted|praised|percent|no longer",
    r"(?:twice|three times|ten times|half) as (?:many|much|fast|often)",
    r"(?:more|fewer|less) than (?:before|the)",
    r"(?:an?|the|my|our|[a-z]+'s) (?:[a-z']+ ){0,3}(?:award|prize)|recogni[sz]ed|thanked|shout-out",
    r"(?:was|were) promoted|promotion",
    r"on (?:time|schedule)|ahead of schedule|in a row",
    r"zero (?:incidents|outages|downtime)",
    r"(?:from|down to|up to) \S+ (?:to|percent|milliseconds|seconds|minutes|hours|days)",
)
_SITUATION = _any_of(
    r"at my (?:last|previous|current|old|first)|in my (?:last|previous|current|old|first)|when i was",
    r"back in|a few (?:years|months) ago|last (?:year|quarter|month)|(?:there|it) was (?:a|an|this)",
    r"we had (?:a|an|this|some)|our (?:\w+ ){0,2}(?:was|were|kept|had)|the problem was|the issue was",
    r"we (?:were|noticed)|i was working (?:at|on|with)|this was (?:at|when|back|during)|we were seeing",
    r"(?:i|we) noticed|last (?:spring|summer|autumn|fall|winter)|in twenty|when i (?:became|joined|started)",
    # A year as a transcript writes it ("in late 2020") is the year said in words ("in twenty...").
    r"in (?:late |early |mid-?)?(?:19|20)\d\d\b",
    r"at an? (?:\w+ ){0,3}(?:startup|company|bank|agency|firm|retailer|app)",
)
_OTHER = _any_of(
    r"i would|i'd (?:probably|say|try|just)|i think|i believe|i feel|in general|generally|usually|always",
    r"a good question|great question|that's (?:basically )?it|so yeah|i guess|you should|it depends",
    r"i'm (?:a|very|really|someone)|i am (?:a|very|someone)|let me think|if i (?:had|were|was)",
    r"what (?:i|we) (?:would|could|should)|i tend to|i like to|i try to|is (?:really|very|super) important",
    # Generic "you": what anyone does, not what happened.
    r"if you|you (?:have|want|need|got|ought) to|tends? to",
)
_TIME_FRAME = re.compile(
    r"\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|a few|a couple of|an?|half an?|twice an?) "
    r"(?:minutes?|hours?|nights?|afternoons?|days?|weeks?|months?|quarters?|years?|sprints?)\b|\bq[1-4]\b"
    r"|\b(?:by|before) (?:the|our|end|friday|monday)\b",
    re.IGNORECASE,
)
# Amounts said in words: "by about half", "within a tenth of a percent", "cut scope by a third".
_AMOUNT = re.compile(
    r"\b(?:by|to|within|under|over|about|around|roughly|nearly|almost) (?:about |around |roughly )?"
    r"(?:half|an? (?:half|third|quarter|tenth|fifth|fraction))\b|\b(?:doubled|halved|tripled)\b",
    re.IGNORECASE,
)
_VAGUE = re.compile(
    r"\b(?:some (?!of\b|\d|time\b)[a-z]+|(?:a couple|a few|a bunch|a number) of "
    r"(?!\d|minutes|hours|days|weeks|months|years)[a-z]+|what was (?:going on|wrong|happening)|things|stuff|"
    r"etc|and so on|worked out|went well|it was fine|somehow|kind of|sort of|a bit|various|a lot of things|"
    r"whatever)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Specifics:
    """What makes a unit concrete: numbers, names, time frames, actions taken; and vague wording."""

    numbers: int
    names: int
    time_frames: int
    actions: int
    vague: int

    @property
    def concrete(self) -> int:
        return self.numbers + self.names + self.time_frames


def role_cues(text: str) -> dict[str, float]:
    """1.0 per role whose wording the unit carries (several may fire; the classifier weighs them)."""
    cues = dict.fromkeys(LABELS, 0.0)
    # "I also, you know, added" is an action all the same.
    text = without_fillers(text).replace(",", "")
    hypothetical = _HYPOTHETICAL.search(text) is not None
    steps = _RECEIVED.sub(" ", text)
    if (_ACTION.search(steps) or _ACTION_LEAD.search(steps)) and not hypothetical:
        cues["action"] = 1.0
    if _TASK.search(text):
        cues["task"] = 1.0
    if _RESULT.search(text):
        cues["result"] = 1.0
    if _SITUATION.search(text):
        cues["situation"] = 1.0
    if _OTHER.search(text):
        cues["other"] = 1.0
    if hypothetical:
        # What one would do is neither a task taken on nor a step taken nor an outcome.
        cues.update(task=0.0, action=0.0, result=0.0, other=2.0)
    return cues


def _actions(text: str) -> int:
    text = _RECEIVED.sub(" ", text)
    first = _ACTION.search(text)
    return len(_ACTION.findall(text)) + (len(_SERIES.findall(text, first.end())) if first else 0)


def specifics(text: str) -> Specifics:
    """Counted on the words without fillers: "kind of" is a filler in the spec's delivery count, so
    it is not also held against the content."""
    text = without_fillers(text)
    facts = facts_of(text)
    return Specifics(
        numbers=len(facts.numbers) + len(_AMOUNT.findall(text)),
        names=len(facts.names),
        time_frames=len(_TIME_FRAME.findall(text)),
        actions=_actions(text),
        vague=len(_VAGUE.findall(text)),
    )
