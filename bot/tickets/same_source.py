"""Same-source appeals (同源诉求): a new ticket about the same matter as open tickets of the last days.

Two appeals are about the same matter when their places agree (``place_similarity``: the place as
citizens write it, normalised — administrative prefixes, Chinese numerals, 栋/幢, fillers, the roads
of an intersection in any order) and their descriptions mean the same (cosine of sentence vectors).
The rule and its thresholds (``SameSourceRules``, settings ``SAME_SOURCE_*``) are measured by
``make bench-dedup`` on labelled pairs written apart from this code.

The citizen's own ticket is always created; it joins the group of the closest open ticket, takes the
group's department, and the citizen is told how many others reported the same matter.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.core.config import SameSourceRules
from bot.faq.semantic import Encoder
from bot.tickets.models import Ticket, TicketGroup, TicketSignature

LINKED_CATEGORIES = ("complaint", "report", "suggestion")  # a consultation asks, it reports no matter
MAX_CANDIDATES = 2000  # the most recent open tickets of the window that are compared
PLACE_CERTAINTY_BONUS = 0.15  # how much less alike the words may be when the places are the same


@dataclass(frozen=True)
class Appeal:
    """What two appeals are compared on."""

    description: str
    place: str


def appeal_of(fields: dict) -> Appeal:
    """The description and place of a ticket's content fields (forms and console use these names)."""
    description = fields.get("case_description") or fields.get("description") or ""
    place = fields.get("case_location") or fields.get("location") or ""
    return Appeal(str(description).strip(), str(place).strip())


# --- places -----------------------------------------------------------------------------------

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_NUMBER = re.compile(r"[零〇一二两三四五六七八九十百]+(?=[区幢栋号楼座单元期层室排组巷弄街里])")
_BUILDING = re.compile(r"(\d+)\s*(?:栋|座|号楼|幢)")
_ADMIN = re.compile(
    r"^(?:[\u4e00-\u9fff]{2,7}?(?:省|自治区))?(?:[\u4e00-\u9fff]{2,7}?市(?!场))?(?:[\u4e00-\u9fff]{1,5}?(?:区|县)(?=\S{3}))?"
)
_FILLERS = re.compile(
    r"附近|旁边|边上|对面|门口|那个|这个|那边|这边|一带|周边|里面|交叉口|十字路口|路口|交汇处|与|和|及|靠近|往|处|的"
)
_ROAD = re.compile(r"[\u4e00-\u9fff\d]{1,8}?(?:大道|大街|路|街|巷|弄|桥|隧道)")
_SITE = re.compile(
    r"[\u4e00-\u9fff\d]{2,8}?(?:小区|花园|公寓|新村|家园|苑|府|大厦|广场|市场|医院|学校|小学|中学|公园|加油站|超市|商场|村)"
)


def _arabic(chinese: str) -> str:
    total, current = 0, 0
    for char in chinese:
        if char == "百":
            total, current = total + (current or 1) * 100, 0
        elif char == "十":
            total, current = total + (current or 1) * 10, 0
        else:
            current = current * 10 + _DIGITS[char]
    return str(total + current)


def place_key(place: str) -> str:
    """The place as a comparable string: prefixes, fillers, spaces and punctuation gone, numbers as digits."""
    text = unicodedata.normalize("NFKC", place or "").lower()
    text = re.sub(r"[\s\W_]+", "", text)
    text = _CN_NUMBER.sub(lambda m: _arabic(m.group(0)), text)
    text = _BUILDING.sub(r"\1幢", text)
    text = _ADMIN.sub("", text, count=1) or text
    return _FILLERS.sub("", text)


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)} or ({text} if text else set())


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


def place_similarity(a: str, b: str) -> float:
    """0–1: character pairs of the normalised places, or the roads or sites both name (an intersection
    written either way round, one citizen adding the house number, another a landmark on the road)."""
    grams_a, roads_a, sites_a = _place_parts(a)
    grams_b, roads_b, sites_b = _place_parts(b)
    if not grams_a or not grams_b:
        return 0.0
    jaccard = len(grams_a & grams_b) / len(grams_a | grams_b)
    return max(jaccard, _overlap(roads_a, roads_b), _overlap(sites_a, sites_b), _overlap(grams_a, grams_b) * 0.8)


@lru_cache(maxsize=8192)
def _place_parts(place: str) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """The normalised place's character pairs, roads and sites (a new ticket's are compared with every
    open ticket's: worked out once per place)."""
    key = place_key(place)
    if not key:
        return frozenset(), frozenset(), frozenset()
    return frozenset(_bigrams(key)), frozenset(_ROAD.findall(key)), frozenset(_SITE.findall(key))


# --- the decision -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    same: bool
    text: float
    place: float


class SameSourceLinker:
    """Decides whether appeals are about the same matter, and finds the group a new ticket joins."""

    def __init__(self, encoder: Encoder, rules: SameSourceRules = SameSourceRules()) -> None:
        self.encoder = encoder
        self.rules = rules

    @classmethod
    def for_settings(cls, rules: SameSourceRules) -> SameSourceLinker | None:
        """The deployment's linker (the process's sentence encoder), or None when switched off."""
        return cls(_process_encoder(), rules) if rules.enabled else None

    def vector(self, appeal: Appeal) -> np.ndarray:
        return self.encoder.encode([appeal.description])[0]

    def verdict(self, a: Appeal, b: Appeal, vectors: Sequence[np.ndarray] | None = None) -> Verdict:
        if not (a.description and b.description and a.place and b.place):
            return Verdict(False, 0.0, 0.0)
        va, vb = vectors if vectors is not None else self.encoder.encode([a.description, b.description])
        text = float(np.dot(va, vb))
        place = place_similarity(a.place, b.place)
        return Verdict(place >= self.rules.place_similarity and text >= self.text_needed(place), text, place)

    def text_needed(self, place: float) -> float:
        """How close the descriptions must be: ``text_similarity`` at the lowest place similarity
        allowed, ``PLACE_CERTAINTY_BONUS`` less where the places are the same: two citizens describe
        one burst pipe very differently, and the place says more than the words."""
        low = self.rules.place_similarity
        certainty = (place - low) / (1.0 - low) if low < 1.0 else 1.0
        return self.rules.text_similarity - PLACE_CERTAINTY_BONUS * max(0.0, min(1.0, certainty))

    def join(self, session: Session, ticket: Ticket, now: datetime) -> Ticket | None:
        """Store the new ticket's signature; return the open ticket of the window it matches best (the
        caller puts the new one in that ticket's group), or None."""
        appeal = appeal_of(ticket.fields or {})
        if ticket.category not in LINKED_CATEGORIES or not (appeal.description and appeal.place):
            return None
        vector = self.vector(appeal)
        session.add(TicketSignature(ticket_id=ticket.id, vector=np.asarray(vector, dtype=np.float32).tobytes()))
        since = now - timedelta(days=self.rules.days)
        rows = session.execute(
            select(Ticket, TicketSignature.vector)
            .join(TicketSignature, TicketSignature.ticket_id == Ticket.id)
            .where(
                Ticket.id != ticket.id,
                Ticket.status != "closed",
                Ticket.accepted_at >= since,
                Ticket.category.in_(LINKED_CATEGORIES),
            )
            .order_by(Ticket.id.desc())
            .limit(MAX_CANDIDATES)
        ).all()
        best: tuple[float, Ticket] | None = None
        for other, stored in rows:
            verdict = self.verdict(appeal, appeal_of(other.fields or {}), (vector, np.frombuffer(stored, dtype=np.float32)))
            if verdict.same and (best is None or verdict.text + verdict.place > best[0]):
                best = (verdict.text + verdict.place, other)
        return best[1] if best else None


def link_to_group(session: Session, ticket: Ticket, match: Ticket, now: datetime) -> int:
    """Put ``ticket`` in ``match``'s group (made now when ``match`` had none); returns how many other
    citizens' tickets the group holds."""
    ticket.group_id = group_of(session, match, now)
    session.flush()
    return others_in_group(session, ticket)


def group_of(session: Session, ticket: Ticket, now: datetime) -> int:
    """``ticket``'s group, made now (named after its place) when it had none."""
    if ticket.group_id is None:
        group = TicketGroup(created_at=now, place=appeal_of(ticket.fields or {}).place[:200] or None)
        session.add(group)
        session.flush()
        ticket.group_id = group.id
    return ticket.group_id


def others_in_group(session: Session, ticket: Ticket) -> int:
    """Other citizens (conversations) whose tickets are in ``ticket``'s group."""
    if ticket.group_id is None:
        return 0
    return int(
        session.scalar(
            select(func.count(func.distinct(Ticket.conversation_id))).where(
                Ticket.group_id == ticket.group_id, Ticket.conversation_id != ticket.conversation_id
            )
        )
        or 0
    )


@lru_cache(maxsize=1)
def _process_encoder() -> Encoder:
    """One encoder per process (its weights load on first use), whatever the number of desks."""
    from bot.faq.semantic import UniversalSentenceEncoder

    return UniversalSentenceEncoder(threads=1)
