"""Seeded synthetic catalogs with a Zipf-distributed vocabulary and tag use, and questions over them."""

from __future__ import annotations

import random
from dataclasses import dataclass
from itertools import accumulate

from bot.core.model import KINDS, LEVELS, Catalog, Resource, Tag
from bot.core.text import STOP_WORDS

_ONSETS = ["b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "st", "tr", "pl", "gr", "sh", "ch"]
_VOWELS = ["a", "e", "i", "o", "u", "ai", "ea", "io", "ou"]
_CODAS = ["", "", "n", "r", "s", "l", "t", "m", "x", "nd", "st"]
_FILLER = ["how does {} work", "anyone got a good visual for {}?", "{} explained", "{}", "what is {}", "hey, help with {} pls"]


def vocabulary_size(n: int) -> int:
    """Heaps-like growth: distinct words grow sub-linearly with the catalog."""
    return max(500, int(30 * n**0.6))


@dataclass(frozen=True)
class Zipf:
    """Draws items with probability proportional to 1 / rank**s."""

    items: tuple[str, ...]
    cum: tuple[float, ...]

    @classmethod
    def over(cls, items: list[str], s: float = 1.07) -> "Zipf":
        return cls(tuple(items), tuple(accumulate(1.0 / (r**s) for r in range(1, len(items) + 1))))

    def draw(self, rng: random.Random, k: int) -> list[str]:
        return rng.choices(self.items, cum_weights=self.cum, k=k)


def _words(rng: random.Random, count: int) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < count:
        word = "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(rng.randint(1, 3))) + rng.choice(_CODAS)
        if len(word) >= 3 and word not in seen and word not in STOP_WORDS:
            seen.add(word)
            out.append(word)
    return out


def synthetic_catalog(n: int, seed: int = 7) -> Catalog:
    """``n`` resources: titles, keywords, descriptions and tags drawn from Zipf distributions."""
    rng = random.Random(seed)
    words = _words(rng, vocabulary_size(n))
    vocab = Zipf.over(words)
    tag_count = max(35, n // 100)
    tag_words = _words(random.Random(seed + 1), tag_count * 3)
    tags: dict[str, Tag] = {}
    for i in range(tag_count):
        a, b, c = tag_words[3 * i : 3 * i + 3]
        slug = f"{a}-{b}"
        tags[slug] = Tag(slug, f"{a.title()} {b}", f"All about {a} {b}.", aliases=(c, f"{a[0]}{b[0]}{c[:2]}"))
    tag_use = Zipf.over(list(tags), s=1.0)
    resources = []
    for i in range(n):
        title = " ".join(vocab.draw(rng, rng.randint(3, 6))).capitalize()
        keywords = tuple(dict.fromkeys(" ".join(vocab.draw(rng, rng.randint(1, 2))) for _ in range(rng.randint(3, 5))))
        description = " ".join(vocab.draw(rng, rng.randint(18, 40))).capitalize() + "."
        chosen = tuple(dict.fromkeys(tag_use.draw(rng, rng.randint(1, 3))))
        resources.append(
            Resource(
                id=f"r{i:06d}",
                title=title,
                url=f"https://example.org/r{i}",
                description=description,
                tags=chosen,
                kind=rng.choice(KINDS),
                level=rng.choice(LEVELS),
                keywords=keywords,
                author=f"{rng.choice(words).title()} {rng.choice(words).title()}",
            )
        )
    return Catalog(tags, tuple(resources))


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def synthetic_questions(catalog: Catalog, count: int, seed: int = 11, typo_share: float = 0.2) -> list[str]:
    """Questions a user might ask about random resources: title and keyword words, some filler,
    a share with one transposed-letter typo, and a few tag aliases."""
    rng = random.Random(seed)
    out = []
    tags = list(catalog.tags.values())
    for _ in range(count):
        r = rng.choice(catalog.resources)
        pool = r.title.lower().split() + " ".join(r.keywords).split()
        words = rng.sample(pool, k=min(len(pool), rng.randint(1, 3)))
        if rng.random() < 0.1 and tags:
            words.append(rng.choice(tags).aliases[0])
        if rng.random() < typo_share:
            j = rng.randrange(len(words))
            words[j] = _typo(rng, words[j])
        out.append(rng.choice(_FILLER).format(" ".join(words)))
    return out
