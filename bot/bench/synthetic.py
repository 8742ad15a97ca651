"""Seeded synthetic catalogs and questions over them, from two generators (see :data:`GENERATORS`)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from itertools import accumulate
from typing import Callable

from bot.core.model import KINDS, LEVELS, Catalog, Resource, Tag
from bot.core.text import STOP_WORDS

_ONSETS = [
    "b",
    "c",
    "d",
    "f",
    "g",
    "h",
    "k",
    "l",
    "m",
    "n",
    "p",
    "r",
    "s",
    "t",
    "v",
    "z",
    "br",
    "st",
    "tr",
    "pl",
    "gr",
    "sh",
    "ch",
]
_VOWELS = ["a", "e", "i", "o", "u", "ai", "ea", "io", "ou"]
_CODAS = ["", "", "n", "r", "s", "l", "t", "m", "x", "nd", "st"]
_FILLER = [
    "how does {} work",
    "anyone got a good visual for {}?",
    "{} explained",
    "{}",
    "what is {}",
    "hey, help with {} pls",
]


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


def synthetic_labelled(catalog: Catalog, count: int, seed: int = 11, typo_share: float = 0.2) -> list[tuple[str, str]]:
    """Questions a user might ask about random resources, each with the id of the resource it
    was drawn from: title and keyword words, some filler, a share with one transposed-letter
    typo, and a few tag aliases."""
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
        out.append((rng.choice(_FILLER).format(" ".join(words)), r.id))
    return out


def synthetic_questions(catalog: Catalog, count: int, seed: int = 11, typo_share: float = 0.2) -> list[str]:
    """The questions of :func:`synthetic_labelled` without their sources."""
    return [q for q, _ in synthetic_labelled(catalog, count, seed, typo_share)]


# -- a second generator, written after the engine and never used to tune it ------------------------
#
# Different on purpose from the one above: another alphabet of syllables (open CV syllables,
# long words), a steeper Zipf law for the background vocabulary (s = 1.25) and a Heaps law
# that grows faster, documents written around topics (a share of each text comes from its
# topic's own words), heavy-tailed description lengths, resources without keywords or author,
# and questions of other shapes: words from the description rather than the title, tag names,
# comparisons, long chatty sentences, capitals, hyphenated compounds, unknown words, and typos
# that drop, double or replace a letter instead of swapping two.

_T_CONSONANTS = ["k", "l", "m", "n", "p", "r", "s", "t", "v", "y", "w", "h", "j"]
_T_VOWELS = ["a", "e", "i", "o", "u", "aa", "ii", "oo"]
_T_TEMPLATES = [
    ("{}", 2),
    ("{}?", 2),
    ("looking for a {} tutorial (video preferably)", 1),
    ("best {} for beginners", 1),
    ("ELI5 {}", 1),
    ("could someone point me at something that explains {} properly, i've been stuck for days", 1),
    ("hi all, new here - is there a good walkthrough of {} with pictures? thanks!", 1),
    ("{} vs {}", 1),
    ("difference between {} and {}", 1),
]


def topical_vocabulary_size(n: int) -> int:
    """Distinct words for ``n`` resources (a Heaps law steeper than :func:`vocabulary_size`)."""
    return max(800, int(12 * n**0.7))


def _topical_words(rng: random.Random, count: int, taken: set[str] | None = None) -> list[str]:
    seen: set[str] = set(taken or ())
    out: list[str] = []
    while len(out) < count:
        word = "".join(rng.choice(_T_CONSONANTS) + rng.choice(_T_VOWELS) for _ in range(rng.randint(2, 4)))
        if rng.random() < 0.3:
            word += "n"
        if len(word) >= 4 and word not in seen and word not in STOP_WORDS:
            seen.add(word)
            out.append(word)
    return out


def topical_catalog(n: int, seed: int = 23) -> Catalog:
    """``n`` resources written around topics; each topic has a tag (its two main words, an
    abbreviation and a synonym as aliases)."""
    rng = random.Random(seed)
    words = _topical_words(rng, topical_vocabulary_size(n))
    background = Zipf.over(words, s=1.25)
    topic_count = max(20, n // 60)
    topics = []
    for _ in range(topic_count):
        cluster = rng.sample(words, k=30)
        topics.append(Zipf.over(cluster, s=0.9))
    popularity = Zipf.over([str(i) for i in range(topic_count)], s=0.8)
    tags: dict[str, Tag] = {}
    topic_tag: list[str] = []
    synonyms = _topical_words(random.Random(seed + 1), topic_count, set(words))
    for i, topic in enumerate(topics):
        a, b = topic.items[0], topic.items[1]
        slug = f"{a}-{b}-{i}"
        tags[slug] = Tag(
            slug, f"{a.title()} {b}", f"Resources about {a} and {b}.", aliases=(synonyms[i], f"{a[0]}{b[0]}{i}")
        )
        topic_tag.append(slug)
    tag_use = Zipf.over(topic_tag, s=0.8)

    def text(topic: Zipf, length: int, share: float) -> list[str]:
        return [topic.draw(rng, 1)[0] if rng.random() < share else background.draw(rng, 1)[0] for _ in range(length)]

    resources = []
    for i in range(n):
        t = int(popularity.draw(rng, 1)[0])
        topic = topics[t]
        title = " ".join(text(topic, rng.randint(2, 8), 0.7)).capitalize()
        length = min(120, max(5, int(rng.lognormvariate(3.1, 0.6))))
        description = " ".join(text(topic, length, 0.45)).capitalize() + "."
        keywords = tuple(
            dict.fromkeys(" ".join(text(topic, rng.randint(2, 3), 0.8)) for _ in range(rng.choice((0, 0, 1, 2, 3, 4))))
        )
        chosen = tuple(dict.fromkeys([topic_tag[t], *tag_use.draw(rng, rng.randint(0, 2))]))
        author = None if rng.random() < 0.3 else f"{rng.choice(words).title()} {rng.choice(words).title()}"
        resources.append(
            Resource(
                id=f"t{i:06d}",
                title=title,
                url=f"https://example.net/t{i}",
                description=description,
                tags=chosen,
                kind=rng.choice(KINDS),
                level=rng.choice(LEVELS),
                keywords=keywords,
                author=author,
            )
        )
    return Catalog(tags, tuple(resources))


def _topical_typo(rng: random.Random, word: str) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    how = rng.randrange(3)
    if how == 0:  # a letter dropped
        return word[:i] + word[i + 1 :]
    if how == 1:  # a letter doubled
        return word[:i] + word[i] + word[i:]
    return word[:i] + rng.choice("aeioklmnprst".replace(word[i], "")) + word[i + 1 :]  # a letter replaced


def topical_labelled(catalog: Catalog, count: int, seed: int = 29, typo_share: float = 0.25) -> list[tuple[str, str]]:
    """Questions about random resources of a :func:`topical_catalog`, each with its source's id."""
    rng = random.Random(seed)
    unknown = _topical_words(random.Random(seed + 1), 200)
    out = []
    templates, weights = zip(*_T_TEMPLATES)
    for _ in range(count):
        r = rng.choice(catalog.resources)
        title = r.title.lower().split()
        described = [w.strip(".").lower() for w in r.description.split()]
        shape = rng.random()
        if shape < 0.35:  # words of the description alone
            words = rng.sample(described, k=min(len(described), rng.randint(2, 4)))
        elif shape < 0.6:  # a phrase of the title
            start = rng.randrange(max(1, len(title) - 1))
            words = title[start : start + rng.randint(2, 3)]
        elif shape < 0.8:  # the tag's name or alias, and one word of the text
            tag = catalog.tags.get(r.tags[0])
            name = rng.choice((tag.title.lower(), tag.aliases[0])) if tag else ""
            words = [name, rng.choice(described)]
        else:  # title and description words mixed
            words = [rng.choice(title), rng.choice(described), rng.choice(described)]
        words = list(dict.fromkeys(w for w in words if w))
        if rng.random() < typo_share:
            j = rng.randrange(len(words))
            words[j] = _topical_typo(rng, words[j])
        if rng.random() < 0.08:
            words.insert(rng.randrange(len(words) + 1), rng.choice(unknown))
        if len(words) >= 2 and rng.random() < 0.05:
            words[:2] = [f"{words[0]}-{words[1]}"]
        template = rng.choices(templates, weights=weights)[0]
        if template.count("{}") == 2:
            split = max(1, len(words) // 2)
            question = template.format(" ".join(words[:split]), " ".join(words[split:]) or words[0])
        else:
            question = template.format(" ".join(words))
        if rng.random() < 0.1:
            question = question.upper()
        out.append((question, r.id))
    return out


@dataclass(frozen=True)
class Generator:
    """A synthetic catalog family: ``catalog(n)`` and ``labelled(catalog, count)`` -> (question, source id)."""

    name: str
    summary: str
    catalog: Callable[[int], Catalog]
    labelled: Callable[[Catalog, int], list[tuple[str, str]]]


GENERATORS: dict[str, Generator] = {
    "zipf": Generator(
        "zipf",
        "Zipf vocabulary (s=1.07) and tags; title and keyword questions, 20% with a swapped-letter typo",
        synthetic_catalog,
        synthetic_labelled,
    ),
    "topical": Generator(
        "topical",
        "topic-structured texts, steeper Zipf (s=1.25), heavy-tailed lengths; description, tag, comparison "
        "and chatty questions, 25% with a dropped, doubled or replaced letter (never used to tune the engine)",
        topical_catalog,
        topical_labelled,
    ),
}
