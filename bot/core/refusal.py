"""Answer or refuse, learned: a logistic regression over the evidence the engine already has.

Per question, :func:`features` reads a few numbers from what lexical and semantic retrieval
computed (no extra model run beyond the "second look" of :mod:`bot.core.fusion`), and
:class:`RefusalModel` turns them into the probability that the catalog answers the question;
the question is answered when that probability reaches the model's threshold.

The shipped decision of hybrid search. ``python -m bot.bench.refusal`` cross-validates it
against the hand-set rule of :mod:`bot.core.fusion` on the development sets (leave one set out)
and, with ``--write``, fits it on every development set and writes ``data/refusal.json``, the
file the engine loads. A file that is missing, unreadable or fitted on other features is refused
with :class:`RefusalModelError`; the engine then decides by the rule.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from bot.core.question import Query
from bot.core.retrieval import position_confidence

# The features, in order, each with its one-line meaning.
FEATURES: tuple[tuple[str, str], ...] = (
    ("coverage", "share of the question's weight the catalog's words answer (0-1)"),
    ("lexical_hits", "1 when some resource qualifies by its words, else 0"),
    ("best_cosine", "the highest cosine between the question and a resource"),
    ("cosine_margin", "best cosine minus the 10th best: one resource (or a few) clearly closest"),
    ("cosine_lift", "best cosine minus the median cosine over the catalog: closer than typical"),
    ("unknown_pull", "relative rise of the best cosine without the unknown words (second look; 0 when not taken)"),
    ("unknown_share", "share of the question's informative words the catalog does not know"),
    ("top_coverage", "share of the question's weight the best of the top 3 lexical results covers by itself"),
    ("corrected", "1 when a word was read as a typo of a catalog word, else 0"),
    ("joint", "coverage times best cosine when some resource qualifies by its words, else 0"),
    ("rare_unknown", "1 when a word the catalog does not know is not common English (a subject it lacks?), else 0"),
    ("other_language", "1 when the question reads as written in another language than English, else 0"),
    ("off_purpose", "the highest cosine between the question and a request no resource answers (purpose.py)"),
)
FEATURE_NAMES = tuple(name for name, _ in FEATURES)
MARGIN_RANK = 10  # cosine_margin compares the best cosine with this one
MODEL_PATH = Path(__file__).parent / "data" / "refusal.json"
MAX_BIAS = 50.0  # a fitted bias is a few units; beyond this the file would decide every question alike


class RefusalModelError(ValueError):
    """The refusal model file cannot be used (missing, unreadable, or fitted on other features)."""


def features(
    coverage: float,
    lexical_hits: bool,
    cosines: np.ndarray,
    best_without: float | None,
    words: int,
    unknown: int,
    top_coverage: float,
    corrected: bool,
    rare_unknown: bool = False,
    other_language: bool = False,
    off_purpose: float = 0.0,
) -> np.ndarray:
    """The feature vector of one question (in :data:`FEATURE_NAMES` order).

    ``cosines``: the question's cosine to every resource; ``best_without``: the best cosine of
    the question without its unknown words when the second look was taken, else None;
    ``words``: informative words in the question (known, corrected or unknown); ``unknown``:
    how many of them the catalog does not know; ``top_coverage``: see :func:`resource_coverage`.
    """
    coverage = min(max(float(coverage), 0.0), 1.0)
    n = len(cosines)
    if n:
        best = float(cosines.max())
        rank = min(MARGIN_RANK, n)
        kth = float(np.partition(cosines, n - rank)[n - rank])
        median = float(np.median(cosines))
    else:
        best = kth = median = 0.0
    pull = max(0.0, (best_without - best) / best) if best_without is not None and best > 0 else 0.0
    hits = 1.0 if lexical_hits else 0.0
    return np.array(
        [
            coverage,
            hits,
            best,
            best - kth,
            best - median,
            pull,
            unknown / words if words else 0.0,
            min(max(float(top_coverage), 0.0), 1.0),
            1.0 if corrected else 0.0,
            coverage * best * hits,
            1.0 if rare_unknown else 0.0,
            1.0 if other_language else 0.0,
            float(off_purpose),
        ],
        dtype=np.float64,
    )


def resource_coverage(q: Query, mask: int) -> float:
    """The share of the question's weight (``q.total``) one resource covers, from its evidence
    mask (two bits a unit, see :mod:`bot.core.retrieval`): a unit matched in a tag, title or
    keyword counts fully, one matched only in prose counts ``WEAK_EVIDENCE``."""
    if not q.total:
        return 0.0
    conf = position_confidence(q, mask)
    return sum(w * c for w, c, counted in zip(q.weights, conf, q.counted) if counted) / q.total


def _sigmoid(z):  # an array or a number, the same shape out
    return 1.0 / (1.0 + np.exp(-np.clip(z, -50.0, 50.0)))


@dataclass(frozen=True)
class RefusalModel:
    """A fitted logistic regression: P(answerable) = sigmoid(bias + weights . standardised x)."""

    feature_names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    threshold: float  # answer when the probability reaches this

    def probability(self, x: np.ndarray) -> float:
        """P(the catalog answers the question) for one feature vector."""
        z = (np.asarray(x, dtype=np.float64) - self.mean) / self.scale @ self.weights + self.bias
        return float(_sigmoid(z))

    def weight(self, feature: str) -> float:
        """The fitted weight of one feature (on the standardised scale; its sign says which way it pulls)."""
        return float(self.weights[self.feature_names.index(feature)])

    def answers(self, x: np.ndarray) -> bool:
        """Whether to answer the question with features ``x``."""
        return bool(self.probability(x) >= self.threshold)

    def to_dict(self, **provenance: Any) -> dict[str, Any]:
        """The model as JSON-ready data (``provenance``: what it was fitted on, kept beside it)."""
        return {
            "features": list(self.feature_names),
            "mean": [float(v) for v in self.mean],
            "scale": [float(v) for v in self.scale],
            "weights": [float(v) for v in self.weights],
            "bias": float(self.bias),
            "threshold": float(self.threshold),
            **provenance,
        }

    @classmethod
    def from_dict(cls, data: Any) -> "RefusalModel":
        """A model from :meth:`to_dict`'s data; raises RefusalModelError unless it was fitted on
        exactly :data:`FEATURE_NAMES` with finite numbers."""
        if not isinstance(data, dict):
            raise RefusalModelError("not a JSON object")
        if data.get("features") != list(FEATURE_NAMES):
            raise RefusalModelError(f"fitted on other features ({data.get('features')!r}); refit it")
        n = len(FEATURE_NAMES)
        fields: dict[str, Any] = {k: data.get(k) for k in ("mean", "scale", "weights", "bias", "threshold")}
        if not all(isinstance(fields[k], list) and len(fields[k]) == n for k in ("mean", "scale", "weights")):
            raise RefusalModelError(f"mean, scale and weights must be lists of {n} numbers each")
        numbers = [v for k in ("mean", "scale", "weights") for v in fields[k]] + [fields["bias"], fields["threshold"]]
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in numbers):
            raise RefusalModelError("every value must be a number (not text, a boolean or null)")
        arrays = [np.asarray(fields[k], dtype=np.float64) for k in ("mean", "scale", "weights")]
        bias, threshold = float(fields["bias"]), float(fields["threshold"])
        if not all(np.isfinite(a).all() for a in arrays) or (arrays[1] <= 0).any():
            raise RefusalModelError("mean, scale and weights must be finite, scales positive")
        # A threshold at 0 or 1, or a bias beyond any fitted one, answers or refuses every question.
        if not (abs(bias) <= MAX_BIAS and 0.0 < threshold < 1.0):
            raise RefusalModelError(f"bias must be within +-{MAX_BIAS:g} and the threshold strictly between 0 and 1")
        return cls(FEATURE_NAMES, arrays[0], arrays[1], arrays[2], bias, threshold)


def load_model(path: Path = MODEL_PATH) -> RefusalModel:
    """The model written by ``python -m bot.bench.refusal --write`` (raises RefusalModelError)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RefusalModelError(f"{path}: {exc}") from None
    try:
        return RefusalModel.from_dict(data)
    except RefusalModelError as exc:
        raise RefusalModelError(f"{path}: {exc}") from None


@lru_cache(maxsize=1)
def shipped_model() -> RefusalModel:
    """The shipped model, read once per process (raises RefusalModelError)."""
    return load_model(MODEL_PATH)


def fit_logistic(
    x: np.ndarray, y: np.ndarray, l2: float, iterations: int = 100
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """L2-regularised logistic regression by Newton's method (deterministic): returns
    (mean, scale, weights, bias) with the features standardised by mean and scale.
    The bias is not regularised; the penalty is ``l2 / 2 * |weights|^2`` on the summed log-loss."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-12] = 1.0
    z = np.hstack([np.ones((len(x), 1)), (x - mean) / scale])
    beta = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], l2)
    penalty[0] = 0.0
    for _ in range(iterations):
        p = _sigmoid(z @ beta)
        gradient = z.T @ (p - y) + penalty * beta
        hessian = (z * (p * (1 - p))[:, None]).T @ z + np.diag(penalty) + 1e-9 * np.eye(len(beta))
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if float(np.abs(step).max()) < 1e-10:
            break
    return mean, scale, beta[1:], float(beta[0])


def threshold_for(probabilities: Sequence[float], max_lost: float) -> float:
    """The highest threshold at which at most ``max_lost`` of these (answerable) questions'
    probabilities fall below it, i.e. are refused."""
    p = np.sort(np.asarray(probabilities, dtype=np.float64))
    allowed = int(np.floor(max_lost * len(p) + 1e-9))  # questions that may be refused
    if allowed >= len(p):
        return 1.0
    # Refusing the ``allowed`` lowest: the threshold sits just above the last of them.
    return float(p[allowed])
