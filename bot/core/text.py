"""The one text normaliser: every front-end, the index and the queries go through it.

Nothing here knows about computer vision: the words below are generic English
(stop words, question words, chat filler). Domain synonyms come from the catalog.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer

from bot.core.sanitize import strip_escapes

# Generic English function words, question words and chat filler. Never domain terms.
_ENGLISH_STOP_WORDS: frozenset[str] = frozenset(
    """
    a about above after again against all also am an and any anybody anyone anything are aren arent as
    at be because been before being below between both but by can cannot cant could couldn did didn didnt
    do does doesn doesnt doing don dont down during each else etc ever every few for from further get gets
    getting got had hadn has hasn have haven having he her here hers herself him himself his how however i
    id if im in into is isn isnt it its itself ive just let lets me mine more most much must my myself no
    nor not now of off on once one only or other others otherwise our ours ourselves out over own per quite
    rather really same she should shouldn so some somebody someone something somewhat still such than that
    thats the their theirs them themselves then there these they thing things this those though through
    thru to too under until up upon us very via was wasn we were weren what whats when where whether which
    while who whom whose why will with within without won would wouldn yet you youd youll your yours
    yourself yourselves youre youve
    hey hi hello hiya yo howdy greetings thanks thank thx ty tia cheers pls plz please sorry ok okay
    guys folks everyone anyone bot lol
    tbh idk ngl imo imho afaik btw fyi lmao lmfao rofl omg smh rn bruh tho ikr iirc
    good great nice cool awesome best better decent neat solid simple simplest easy easiest quick quickly
    visual visuals visually explain explains explained explaining explanation explanations understand understanding
    intuition intuitive intuitively show shows showing see seeing look looking find finding recommend
    recommendation recommendations suggest suggestion suggestions need needs want wants wanted like would
    know knows help helps helpful work works working worked way ways kind sort type stuff
    link links resource resources material materials idea ideas question questions
    tell give gives giving make makes making use using used actually basically exactly pretty maybe perhaps
    vs versus compare compared comparing comparison differ difference differences mean means meaning
    """.split()
)
# The same kind of words in the other languages learners write in (Spanish, French, German,
# Portuguese, Italian, Dutch), accents stripped as normalise() strips them. Words that are
# also meaningful English or maths (sin, die, man, come, son) are left out.
FOREIGN_STOP_WORDS: frozenset[str] = (
    frozenset(
        """
    el los las del una unos unas que como cual cuales donde cuando por para con sobre entre
    es son esta estan hay tiene tienen alguien algo alguna alguno puedo puede puedes explica explicar
    explicacion entender funciona funcionan hola gracias ayuda mejor bueno buena buen mi mis tu tus
    les des une est sont pour avec sans dans sur quoi comment pourquoi quel quelle quels quelles qui
    quelqu quelque chose ya il elle ils nous vous je moi toi fonctionne marche expliquer explication
    comprendre aide merci salut bonjour svp stp meilleur meilleure bon bonne mon ma mes ton ta tes
    der das dem den ein eine einen einem einer und oder ist sind wie warum wo wann welche welcher
    welches gibt es jemand etwas kann kannst koennt konnt ich mir mich du dir funktioniert erklaren
    erklaert erklart erklarung erklaerung verstehen hilfe danke hallo beste besten gut gute guten mit
    fur fuer auf aus bei bitte
    um uma uns umas os da das do dos na nas no nos com pelo pela alguem tem existe ha funcionam
    explicar explicacao entender ajuda obrigado obrigada ola oi melhor boa bom meu minha
    si il lo gli della dello delle degli di che cosa perche quale quali dove quando funziona
    funzionano spiegare spiegazione spiegami capire aiuto grazie ciao migliore buono buona mio mia
    qualcuno qualche
    het een van voor op met hoe wat waarom waar wanneer welke iemand iets kan kun werkt uitleg
    uitleggen begrijpen hulp bedankt hallo beste goed goede mijn
    """.split()
    )
    - _ENGLISH_STOP_WORDS
)
STOP_WORDS: frozenset[str] = _ENGLISH_STOP_WORDS | FOREIGN_STOP_WORDS

# Combining marks (accents, zalgo) and format/control characters are dropped: a control character
# (a tab, a line break) separates words, an invisible format character (a zero-width space, a soft
# hyphen, a joiner, a direction mark) does not, so "convo\u200blution" is "convolution".
_DROP_CATEGORIES = frozenset({"Mn", "Me", "Cc", "Cf", "Cs", "Co", "Cn"})
# The voiced sound marks of kana are combining marks too, but no one leaves them out ("が" is not "か").
_KANA_MARKS = frozenset("\u3099\u309a")
_WORD = re.compile(r"[^\W_]+(?:[-'’.+][^\W_]+)*")
_SPLIT = re.compile(r"[-'’.+]")
_ACRONYM_PLURAL = re.compile(r"^[b-df-hj-np-tv-xz]{2,}s$")
_BRITISH = re.compile(r"(?<=[a-z]{3})is(ation|ations|ing|ed|es|e|er|ers)$")

MAX_QUERY_CHARS = 2000


_ASCII_CONTROLS = {i: " " for i in (*range(32), 127)}


# Latin letters or digits written against kana, CJK or hangul, as Japanese and Chinese are written
# ("backpropagationとは"): two words, not one.
_SCRIPT_EDGE = re.compile(
    r"(?<=[a-z0-9])(?=[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af])|(?<=[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af])(?=[a-z0-9])"
)


def normalise(text: str) -> str:
    """Casefold, NFKC, strip accents, zalgo marks, terminal escapes and control characters; part
    Latin words from CJK, kana and hangul written against them; collapse spaces."""
    text = strip_escapes(text)  # their letters are not words
    if text.isascii():  # fast path: nothing to fold but case and control characters
        return " ".join(text.lower().translate(_ASCII_CONTROLS).split())
    text = unicodedata.normalize("NFKC", text).casefold()
    text = unicodedata.normalize("NFD", text)
    kept = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat in _DROP_CATEGORIES and ch not in _KANA_MARKS:
            if cat == "Cc":
                kept.append(" ")
            continue
        kept.append(ch)
    return " ".join(_SCRIPT_EDGE.sub(" ", unicodedata.normalize("NFC", "".join(kept))).split())


def words(text: str) -> list[list[str]]:
    """Words of already-normalised ``text``, each split into its hyphen/dot parts (``t-sne`` -> ``[t, sne]``)."""
    return [split_word(m) for m in raw_words(text)]


def raw_words(text: str) -> list[str]:
    """Words of already-normalised ``text``, hyphenated ones whole (``t-sne``)."""
    return _WORD.findall(text)


def split_word(word: str) -> list[str]:
    """The hyphen/dot parts of one word from :func:`raw_words`."""
    return [p for p in _SPLIT.split(word) if p]


def americanise(word: str) -> str:
    """British ``-ise`` spellings to ``-ize`` (visualising -> visualizing), so both stem alike."""
    if len(word) < 7 or "is" not in word:
        return word
    return _BRITISH.sub(lambda m: "iz" + m.group(1), word)


def tokenize(text: str) -> list[str]:
    """Normalised word parts of ``text`` (hyphenated words give their parts)."""
    return [part for parts in words(normalise(text)) for part in parts]


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    stemmer = Stemmer.Stemmer("english")
    stemmer.maxCacheSize = 100_000
    return stemmer


def _singular_acronym(word: str) -> str:
    """A plural acronym without vowels loses its s (``cnns`` -> ``cnn``); the stemmer keeps it."""
    return word[:-1] if _ACRONYM_PLURAL.match(word) else word


def stem(word: str) -> str:
    """The English stem of one normalised word (British spellings first made American)."""
    return _stemmer().stemWord(americanise(_singular_acronym(word)))


def stems(tokens: list[str]) -> list[str]:
    """Stems of many normalised words at once."""
    return _stemmer().stemWords([americanise(_singular_acronym(t)) for t in tokens])


def is_stop(word: str) -> bool:
    """True for generic words that carry no topic (English, or another language's)."""
    return word in STOP_WORDS


def is_foreign_stop(word: str) -> bool:
    """True for a generic word of another language than English (a sign the question is written in it)."""
    return word in FOREIGN_STOP_WORDS


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


MIN_MISSPELT_STOP = 5  # shorter words are too easily another word one edit away
# A misspelt stop word shares a one-deletion key with it: {key -> stop words}.
_STOP_KEYS: dict[str, set[str]] = {}
for _stop in STOP_WORDS:
    if len(_stop) >= MIN_MISSPELT_STOP:
        for _key in _deletions(_stop) | {_stop}:
            _STOP_KEYS.setdefault(_key, set()).add(_stop)


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Whole English words of BERT's uncased vocabulary (the embedding model's, shipped in
    ``data/``): a word here is spelt right, whatever the catalog says."""
    from bot.core.wordpiece import VOCAB_PATH

    return frozenset(
        token
        for token in VOCAB_PATH.read_text(encoding="utf-8").split("\n")
        if len(token) >= 3 and token.isascii() and token.isalpha()
    )


@lru_cache(maxsize=1)
def _english_ranks() -> dict[str, int]:
    from bot.core.wordpiece import VOCAB_PATH

    ranks: dict[str, int] = {}
    for i, token in enumerate(VOCAB_PATH.read_text(encoding="utf-8").split("\n")):
        if token.isascii() and token.isalpha():
            ranks.setdefault(token, i)
    return ranks


COMMON_ENGLISH_RANK = 10_000  # whole words before this place in BERT's vocabulary are common English


def common_english(word: str) -> bool:
    """Whether ``word`` is a common English word: among the first whole words of BERT's uncased
    vocabulary, which is ordered roughly by how often a word occurs ("the", "of", "and" first)."""
    return _english_ranks().get(word, COMMON_ENGLISH_RANK) < COMMON_ENGLISH_RANK


@lru_cache(maxsize=4096)
def misspelt_stop(word: str) -> bool:
    """True when ``word`` is one edit (a swap counts as one) from a stop word of five letters or
    more ("expalin", "plase"). Callers ask only about words the catalog does not know."""
    if len(word) < MIN_MISSPELT_STOP - 1 or word in STOP_WORDS:
        return False
    candidates = set().union(*(_STOP_KEYS.get(k, ()) for k in _deletions(word) | {word}))
    return any(_one_edit(word, stop) for stop in candidates)


def _one_edit(a: str, b: str) -> bool:
    """Optimal string alignment distance of exactly one (substitution, insertion, deletion or swap)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (
            len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
        )
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))
