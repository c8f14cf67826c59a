"""Which department a case goes to (分类/派单): a classifier over the city's department directory.

The directory (``departments.yml``, a city replaces it) gives each department its duties in words,
keywords and example appeals; the router learns from them and from the (text, department) pairs staff
confirmed by assigning or reassigning tickets (``routing_confirmations``). Below the directory's
``min_confidence`` a case stays 待分派 for staff: a wrong department loses days (退单, 重派), staff lose
minutes. ``python -m bot tickets route retrain`` rebuilds the stored model; running processes pick it up.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.faq.semantic import Encoder, UniversalSentenceEncoder
from bot.tickets.routing_model import RoutingModel

logger = logging.getLogger(__name__)

DIRECTORY_FILE = Path(__file__).with_name("departments.yml")
FEATURES_SOURCE = Path(__file__).with_name("routing_model.py")
MODEL_FILE_NAME = "router.npz"
RELOAD_CHECK_SECONDS = 30.0
SUGGESTIONS = 3


@dataclass(frozen=True)
class Department:
    name: str
    keywords: tuple[str, ...] = ()
    duties: str = ""
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class Candidate:
    department: str
    confidence: float


@dataclass(frozen=True)
class Suggestion:
    """The router's answer: the department (None: 待分派) and the likeliest departments."""

    department: str | None
    confidence: float
    candidates: tuple[Candidate, ...]

    def as_json(self) -> dict:
        return {
            "department": self.department,
            "confidence": round(self.confidence, 4),
            "candidates": [{"department": c.department, "confidence": round(c.confidence, 4)} for c in self.candidates],
        }


@dataclass(frozen=True)
class Directory:
    """A city's departments and the confidence a route needs."""

    departments: tuple[Department, ...]
    min_confidence: float = 0.5
    fingerprint: str = ""

    @classmethod
    def load(cls, path: Path = DIRECTORY_FILE) -> Directory:
        text = path.read_text(encoding="utf-8")
        raw = yaml.safe_load(text) or {}
        departments = tuple(
            Department(
                str(d["name"]),
                tuple(map(str, d.get("keywords") or ())),
                str(d.get("duties") or ""),
                tuple(map(str, d.get("examples") or ())),
            )
            for d in raw.get("departments") or ()
        )
        return cls(departments, float(raw.get("min_confidence", 0.5)), hashlib.sha256(text.encode()).hexdigest()[:16])

    @property
    def names(self) -> list[str]:
        return list(dict.fromkeys(d.name for d in self.departments))

    def training_pairs(self) -> list[tuple[str, str]]:
        """(text, department) from the directory: each example, the duties, and the keywords as one line."""
        pairs: list[tuple[str, str]] = []
        for d in self.departments:
            pairs += [(e, d.name) for e in d.examples]
            if d.duties:
                pairs.append((d.duties, d.name))
            if d.keywords:
                pairs.append(("、".join(d.keywords), d.name))
        return pairs

    def keywords(self) -> dict[str, tuple[str, ...]]:
        return {d.name: d.keywords for d in self.departments}


def routing_text(fields: dict) -> str:
    """The text a ticket is routed by: its content fields (never name or phone), in form order."""
    return " ".join(str(v) for v in fields.values() if v not in (None, ""))


def train_model(directory: Directory, confirmed: Iterable[tuple[str, str]], encoder: Encoder) -> RoutingModel:
    """A model from the directory plus staff-confirmed (text, department) pairs."""
    pairs = directory.training_pairs() + [(t, d) for t, d in confirmed if t and d]
    texts, labels = zip(*pairs) if pairs else ((), ())
    return RoutingModel.train(texts, labels, directory.keywords(), encoder)


_shared_models: dict[str, RoutingModel] = {}  # directory-only models by directory fingerprint, per process
_shared_lock = threading.Lock()
_encoder_lock = threading.Lock()
_shared_encoder: list[Encoder] = []


def shared_encoder() -> Encoder:
    """One sentence encoder per process for routing (its weights load on first use)."""
    with _encoder_lock:
        if not _shared_encoder:
            _shared_encoder.append(UniversalSentenceEncoder())
        return _shared_encoder[0]


class Router:
    """Routes a case's text to a department with a confidence; None below the directory's threshold.

    The model is the stored one (``<model_dir>/router.npz``, written by ``retrain``) when it was built
    from the current directory, else one trained from the directory alone on first use."""

    def __init__(
        self,
        directory: Directory,
        *,
        model_dir: Path | None = None,
        cache_dir: Path | None = None,
        encoder: Encoder | None = None,
    ) -> None:
        self.directory = directory
        self.model_path = model_dir / MODEL_FILE_NAME if model_dir is not None else None
        self.cache_dir = cache_dir  # where the directory-only model is kept by fingerprint (``models/``)
        self._encoder = encoder
        self._model: RoutingModel | None = None
        self._model_stamp: float | None = None
        self._checked_at = 0.0
        self._lock = threading.Lock()

    @classmethod
    def load(cls, path: Path = DIRECTORY_FILE, *, model_dir: Path | None = None, cache_dir: Path | None = None) -> Router:
        return cls(Directory.load(path), model_dir=model_dir, cache_dir=cache_dir)

    @classmethod
    def for_deployment(cls, var_dir: Path, project_root: Path) -> Router:
        """The shipped directory, with the model ``retrain`` stored under ``var_dir`` and the
        directory-only model cached in the project's ``models/`` (like the Rasa model)."""
        return cls.load(model_dir=var_dir / "router", cache_dir=project_root / "models")

    @property
    def departments(self) -> tuple[Department, ...]:
        return self.directory.departments

    @property
    def encoder(self) -> Encoder:
        return self._encoder or shared_encoder()

    def model(self) -> RoutingModel:
        with self._lock:
            now = time.monotonic()
            if self._model is None or now - self._checked_at >= RELOAD_CHECK_SECONDS:
                self._checked_at = now
                self._model = self._stored_model() or self._model or self._directory_model()
            return self._model

    def _stored_model(self) -> RoutingModel | None:
        """The retrained model on disk, when it is newer than what we hold and fits this directory."""
        if self.model_path is None or not self.model_path.is_file():
            return None
        stamp = self.model_path.stat().st_mtime
        if stamp == self._model_stamp:
            return self._model
        try:
            model, meta = RoutingModel.load(self.model_path)
        except (OSError, ValueError, KeyError) as exc:
            logger.warning("stored routing model unreadable (%s); using the directory's", type(exc).__name__)
            return None
        if meta.get("directory") != self.directory.fingerprint:
            logger.info("stored routing model was built for another directory; using the directory's")
            return None
        self._model_stamp = stamp
        return model

    def _directory_model(self) -> RoutingModel:
        """Trained from the directory alone: once per process, and once per machine with a cache folder."""
        encoder = self.encoder
        source = hashlib.sha256(FEATURES_SOURCE.read_bytes()).hexdigest()[:8]
        key = f"{self.directory.fingerprint}-{source}-{getattr(encoder, 'name', 'encoder')}"
        with _shared_lock:
            if key not in _shared_models:
                _shared_models[key] = self._cached(key) or self._train_and_cache(key, encoder)
            return _shared_models[key]

    def _cached(self, key: str) -> RoutingModel | None:
        path = self.cache_dir / f"router-{key}.npz" if self.cache_dir is not None else None
        if path is None or not path.is_file():
            return None
        try:
            return RoutingModel.load(path)[0]
        except (OSError, ValueError, KeyError):
            return None

    def _train_and_cache(self, key: str, encoder: Encoder) -> RoutingModel:
        model = train_model(self.directory, (), encoder)
        if self.cache_dir is not None:
            try:
                model.save(self.cache_dir / f"router-{key}.npz", directory=self.directory.fingerprint)
            except OSError as exc:
                logger.warning("routing model not cached: %s", type(exc).__name__)
        return model

    def suggest(self, *texts: str, allowed: Sequence[str] | None = None) -> Suggestion:
        """The department for a case's text, with the likeliest ``SUGGESTIONS`` candidates.

        ``allowed``: the departments that may be chosen now (active ones); others are left out."""
        text = " ".join(t for t in texts if t and t.strip())
        if not text:
            return Suggestion(None, 0.0, ())
        model = self.model()
        probabilities = model.probabilities([text], self.encoder)[0]
        ranked = sorted(zip(model.classes, probabilities), key=lambda pair: -pair[1])
        if allowed is not None:
            permitted = set(allowed)
            ranked = [(name, p) for name, p in ranked if name in permitted]
        candidates = tuple(Candidate(name, float(p)) for name, p in ranked[:SUGGESTIONS])
        if not candidates or candidates[0].confidence < self.directory.min_confidence:
            return Suggestion(None, candidates[0].confidence if candidates else 0.0, candidates)
        return Suggestion(candidates[0].department, candidates[0].confidence, candidates)

    def route(self, *texts: str) -> str | None:
        """The department for a case, or None when unsure (staff assign it: 待分派)."""
        return self.suggest(*texts).department

    def retrain(self, confirmed: Iterable[tuple[str, str]]) -> RoutingModel:
        """Rebuild from the directory and ``confirmed`` pairs, store it for every process, use it here."""
        model = train_model(self.directory, confirmed, self.encoder)
        if self.model_path is not None:
            model.save(self.model_path, directory=self.directory.fingerprint, trained_at=str(time.time()))
            self._model_stamp = self.model_path.stat().st_mtime
        with self._lock:
            self._model, self._checked_at = model, time.monotonic()
        return model
