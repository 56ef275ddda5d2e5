"""Match free text ("I worked as a nurse in Manila", "я работала медсестрой") to occupations.

Built once from the knowledge base:

1. Every name of every occupation is normalised (:func:`~lotse.knowledge.normalize.normalize`) and
   its Cyrillic words lemmatised with pymorphy3 ("медицинская сестра" → "медицинский сестра"): the
   choices ``{(occupation_id, lang, i): name}`` of rapidfuzz.
2. A vocabulary of the choices' words, with an index word → choices.

Per query:

1. Normalise the same way and split into words.
2. Bring each word into the vocabulary if a morphological variant is there: Russian/Polish/German/
   English case and plural endings ("медсестрой" → "медсестра", "lekarzem" → "lekarz", "nurses" →
   "nurse"), Arabic clitics ("كممرضة" → "ممرضه"), German ae/oe/ue spellings; pymorphy3 as the last
   resort for Cyrillic words. Words still unknown are looked up fuzzily in the vocabulary (typos),
   but only to find candidate choices: their score still pays for the typo.
3. Score every n-gram of 1–4 words that does not start or end with a stop word against the
   candidate choices (``SCORER``), keep the best n-gram per occupation; an occupation whose best
   n-gram lies inside a longer, equally good n-gram of another occupation ("nurse" inside
   "paediatric nurse") is pushed down.
4. Below ``CANDIDATE_MIN_SCORE`` nothing is returned; ``confident`` needs ``CONFIDENT_SCORE`` and a
   lead of ``CONFIDENT_MARGIN`` over the runner-up, so the caller asks instead of guessing.

Thresholds and the scorer were chosen by measuring on tests/data/occupation_queries.yaml
(``lotse bench match``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from rapidfuzz import fuzz, process

from ..languages import SUPPORTED, detect
from .loader import KnowledgeBase, load_knowledge
from .normalize import normalize

# --- Tuning constants (measured with `lotse bench match`).
#: rapidfuzz scorer for n-gram ↔ name.
SCORER: Callable[..., float] = fuzz.token_sort_ratio
#: Candidates below this score are not returned at all.
CANDIDATE_MIN_SCORE = 75.0
#: A match is confident at or above this score ...
CONFIDENT_SCORE = 86.0
#: ... and with at least this lead over the second candidate.
CONFIDENT_MARGIN = 4.0
#: Longest n-gram (in words) compared with the names.
MAX_NGRAM = 4
#: Words of a query considered (long messages are cut).
MAX_WORDS = 30
#: n-grams shorter than this (in characters) only count on an exact hit ("pta", "mfa").
MIN_FUZZY_CHARS = 4
#: Minimum similarity for a typo to find its vocabulary word ("pielegnarka" → "pielegniarka").
TYPO_MIN_SCORE = 78.0
#: Unknown words shorter than this are not typo-corrected.
TYPO_MIN_CHARS = 4
#: Score taken off an occupation whose best n-gram lies inside another occupation's longer n-gram
#: that scores at most ``SUBSUMED_TOLERANCE`` less ("nurse" inside "nurse assistant").
SUBSUMED_PENALTY = 12.0
SUBSUMED_TOLERANCE = 15.0
#: Score of the occupations offered for a general word ("engineer"): a candidate, never confident.
UMBRELLA_SCORE = CANDIDATE_MIN_SCORE
#: Language used when none is given and detection fails.
DEFAULT_LANGUAGE = "de"

#: Words that carry no occupation (normalised on use). Names containing them still match: a word
#: that starts or ends a name in the knowledge base is never treated as a stop word.
STOP_WORDS: dict[str, str] = {
    "de": "ich bin war habe hatte hat als in im am an auf aus bei mit und oder der die das dem den "
    "des ein eine einer einem einen mein meine meinem meinen von vom zu zum zur fur jahre jahren "
    "jahr lang gearbeitet arbeite arbeitete arbeiten beruf gelernt gelernte gelernter ausgebildet "
    "ausgebildete ausgebildeter ausbildung studiert studium abschluss als bitte hallo moin ja "
    "nein danke seit uber mehr viele lange deutschland hier dort so sehr gern gerne bei uns "
    "heimatland land meinem tatig bis wurde werde mochte will kann mochten suche anerkennung "
    "anerkennen lassen mein name ist es auch noch",
    "en": "i im i'm am was were is are be been a an the my as at in on of for from to and or with "
    "worked work working works job years year yrs months since before ago back home country "
    "hello hi please thanks thank you yes no qualified trained certified degree diploma "
    "graduated studied study as an want would like to get recognised recognized recognition "
    "germany here there currently now also used profession occupation by have has had "
    "experience experienced long time it this that me we our",
    "ru": "я мы был была были быть работала работал работаю работать работаем как в во на из "
    "по с со у к и или а но лет года год годы месяцев мой моя мои моей моего моем профессия "
    "профессии специальность специальности по специальности работа работы работе здравствуйте "
    "привет пожалуйста спасибо да нет уже также тоже это там здесь хочу хотела хотел нужно "
    "признать признание германии германия в германии дома родине диплом дипломом образование "
    "образованию окончила окончил училась учился являюсь",
    "pl": "ja jestem bylem bylam byl byla pracowalem pracowalam pracuje pracowac praca pracy "
    "jako w we na z ze do i lub a ale lat rok roku lata miesiecy moj moja moje mojego mojej "
    "zawod zawodu z zawodu dzien dobry czesc prosze dziekuje tak nie juz tez to tam tutaj "
    "chce chcialabym chcialbym uznanie uznac niemczech niemcy dyplom wyksztalcenie "
    "skonczylem skonczylam ukonczylem ukonczylam studia studiowalem studiowalam przez od",
    "ar": "انا أنا كنت كان كانت عملت اعمل أعمل عمل عملي اشتغلت اشتغل في من الى إلى على مع و "
    "او أو ثم لمده لمدة مده مدة سنوات سنه سنة سنين عام اعوام أعوام لدي عندي شهاده شهادة "
    "مهنتي مهنه مهنة وظيفتي وظيفه وظيفة مرحبا السلام عليكم شكرا نعم لا اريد أريد اود أود "
    "المانيا ألمانيا هنا هناك بلدي درست تخرجت خبره خبرة حاصل حاصله حاصلة كـ ك",
}
_ARABIC_PREFIXES = ("وال", "بال", "كال", "فال", "لل", "ال", "و", "ف", "ب", "ك", "ل")
_ARABIC_SUFFIXES = (("ات", "ه"), ("ات", ""), ("ين", ""), ("ون", ""), ("ه", ""), ("", "ه"))
#: (ending, replacement) tried on a word outside the vocabulary, per script; first hit wins.
_LATIN_ENDINGS = (
    ("iem", ""), ("em", ""), ("ym", "y"), ("im", "i"), ("ami", ""), ("ach", ""), ("om", ""),
    ("owi", ""), ("ow", ""), ("ie", ""), ("a", ""), ("u", ""), ("y", ""), ("e", ""), ("i", ""),
    ("en", ""), ("n", ""), ("s", ""), ("es", ""), ("innen", ""), ("in", ""), ("er", ""),
    ("ies", "y"), ("", "e"),
)  # fmt: skip
_CYRILLIC_ENDINGS = (
    ("ой", "а"), ("ей", "а"), ("ей", "я"), ("ей", "ь"), ("ем", "ь"), ("ом", ""), ("ем", ""),
    ("ами", ""), ("ями", "ь"), ("ами", "а"), ("ах", ""), ("ях", "ь"), ("ов", ""), ("ев", "ь"),
    ("е", ""), ("е", "а"), ("у", ""), ("у", "а"), ("ю", "я"), ("ю", "ь"), ("а", ""), ("я", "ь"),
    ("и", "а"), ("и", "ь"), ("ы", "а"), ("ы", ""), ("и", ""), ("ой", "ый"), ("ой", "ий"),
    ("ой", "ая"), ("ым", "ый"), ("им", "ий"), ("ого", "ый"), ("его", "ий"), ("ая", "ый"),
    ("ая", "ий"), ("ую", "ый"), ("ую", "ий"), ("ые", "ый"), ("ие", "ий"), ("ых", "ый"),
    ("их", "ий"), ("ыми", "ый"), ("ими", "ий"),
)  # fmt: skip
_UMLAUTS = (("ae", "a"), ("oe", "o"), ("ue", "u"))
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_ARABIC = re.compile(r"[\u0600-\u06ff]")


@dataclass(frozen=True)
class Candidate:
    """One occupation a query may mean."""

    id: str
    score: float
    matched_name: str


@dataclass(frozen=True)
class MatchResult:
    """The outcome of :meth:`Matcher.match`; ``confident=False`` means "ask, don't guess"."""

    language: str
    candidates: tuple[Candidate, ...]
    confident: bool

    @property
    def best(self) -> Candidate | None:
        """The top candidate if the match is confident, else None."""
        return self.candidates[0] if self.confident and self.candidates else None


@lru_cache(maxsize=1)
def _morph():  # type: ignore[no-untyped-def]
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


@lru_cache(maxsize=16384)
def russian_lemma(word: str) -> str:
    """pymorphy3's first normal form of a Cyrillic word (the word itself for other scripts)."""
    if not _CYRILLIC.search(word):
        return word
    return _morph().parse(word)[0].normal_form.replace("ё", "е")


class Matcher:
    """Fuzzy matcher from free text to occupation ids, built once per knowledge base."""

    def __init__(self, knowledge: KnowledgeBase) -> None:
        """Pre-normalise every name and build the word index."""
        self.knowledge = knowledge
        raw = [
            ((occupation.id, lang, i), self._canonical_name(name))
            for occupation in knowledge.occupations.values()
            for lang, lang_names in occupation.names.items()
            for i, name in enumerate(lang_names)
        ]
        owners: dict[str, set[str]] = {}
        for (occupation_id, _, _), name in raw:
            for word in name.split():
                owners.setdefault(word, set()).add(occupation_id)
        base_forms = self._base_forms(owners)
        keys: list[tuple[str, str, int]] = []
        names: list[str] = []
        seen: set[tuple[str, str]] = set()
        for key, name in raw:
            choice = " ".join(base_forms.get(word, word) for word in name.split())
            if choice and (key[0], choice) not in seen:
                seen.add((key[0], choice))
                keys.append(key)
                names.append(choice)
        self.keys: tuple[tuple[str, str, int], ...] = tuple(keys)
        self.choices: tuple[str, ...] = tuple(names)
        index: dict[str, list[int]] = {}
        edge_words: set[str] = set()
        for i, choice in enumerate(names):
            words = choice.split()
            edge_words.update((words[0], words[-1]))
            for word in set(words):
                index.setdefault(word, []).append(i)
        self._index = {word: tuple(ids) for word, ids in index.items()}
        # Typo candidates: vocabulary words sharing the first or the last two letters (a typo
        # rarely hits both ends), so one extractOne compares ~100 words instead of ~3,000.
        buckets: dict[str, set[str]] = {}
        for word in index:
            buckets.setdefault("^" + word[:2], set()).add(word)
            buckets.setdefault(word[-2:] + "$", set()).add(word)
        self._buckets = {key: frozenset(words) for key, words in buckets.items()}
        self._prefixes = frozenset(word[:3] for word in index)
        self._stop_words = frozenset(
            word
            for text in STOP_WORDS.values()
            for word in normalize(text).split()
            if word not in edge_words
        )
        self._word_forms = lru_cache(maxsize=32768)(self._resolve_word)

    @staticmethod
    def _canonical_name(name: str) -> str:
        return " ".join(russian_lemma(word) for word in normalize(name).split())

    def _base_forms(self, owners: dict[str, set[str]]) -> dict[str, str]:
        """Inflected words of the names → their base form if that is a name word too.

        The data lists inflected forms people type ("lekarzem" beside "lekarz"); mapping them to
        the base form on both sides lets "lekarzem dentystą" match "lekarz dentysta" exactly. A
        word is only mapped if every occupation using it also uses the base form, so distinct
        words stay apart ("mechatroniker" is not folded into the field "mechatronik").
        """
        forms: dict[str, str] = {}
        for word, occupations in owners.items():
            for variant in self._variants(word, morphology=False):
                if (
                    variant != word
                    and len(variant) < len(word)
                    and occupations <= owners.get(variant, set())
                ):
                    forms[word] = variant
                    break
        for word in list(forms):
            target, hops = forms[word], 0
            while target in forms and hops < 5:
                target, hops = forms[target], hops + 1
            forms[word] = target
        return forms

    def choices_by_key(self) -> dict[tuple[str, str, int], str]:
        """The pre-normalised choices ``{(occupation_id, lang, i): name}``."""
        return dict(zip(self.keys, self.choices, strict=True))

    # --- Words.

    def _variants(self, word: str, morphology: bool = True) -> Iterable[str]:
        if _ARABIC.search(word):
            for prefix in ("", *_ARABIC_PREFIXES):
                if word.startswith(prefix) and len(word) - len(prefix) >= 2:
                    stem = word[len(prefix) :]
                    yield stem
                    for ending, replacement in _ARABIC_SUFFIXES:
                        if stem.endswith(ending) and len(stem) - len(ending) >= 2:
                            yield stem[: len(stem) - len(ending)] + replacement
            return
        endings = _CYRILLIC_ENDINGS if _CYRILLIC.search(word) else _LATIN_ENDINGS
        forms = [word]
        if morphology and not _CYRILLIC.search(word):
            for old, new in _UMLAUTS:
                if old in word:
                    forms.append(word.replace(old, new))
        for form in forms:
            yield form
            for ending, replacement in endings:
                if form.endswith(ending) and len(form) - len(ending) >= 3:
                    yield form[: len(form) - len(ending)] + replacement
        # pymorphy3 (~0.2 ms a word) only if the lemma can be a name word: lemmas keep the start.
        if morphology and _CYRILLIC.search(word) and word[:3] in self._prefixes:
            yield russian_lemma(word)

    def _resolve_word(self, word: str) -> tuple[str, str | None]:
        """(form used for scoring, vocabulary word used to find candidates or None)."""
        if word in self._index:
            return word, word
        if word in self._stop_words or word.isdigit():
            return word, None
        for variant in self._variants(word):
            if variant in self._index:
                return variant, variant
        if len(word) >= TYPO_MIN_CHARS:
            similar = self._buckets.get("^" + word[:2], frozenset()) | self._buckets.get(
                word[-2:] + "$", frozenset()
            )
            hit = process.extractOne(
                word,
                sorted(similar),  # sorted: ties must not depend on the hash seed
                scorer=fuzz.ratio,
                processor=None,
                score_cutoff=TYPO_MIN_SCORE,
            )
            if hit:
                return word, hit[0]
        return word, None

    # --- Queries.

    def _ngrams(self, words: Sequence[str]) -> list[tuple[str, int, int]]:
        grams = []
        stop = self._stop_words
        for n in range(1, MAX_NGRAM + 1):
            for start in range(len(words) - n + 1):
                span = words[start : start + n]
                if span[0] in stop or span[-1] in stop:
                    continue
                grams.append((" ".join(span), start, start + n))
        return grams

    def match(self, text: str, lang: str | None = None, limit: int = 5) -> MatchResult:
        """Match free text to occupations.

        Args:
            text: What the user typed: a title or a whole sentence, in any of the five languages.
            lang: The conversation's language if known; else detected from the text.
            limit: Maximum number of candidates returned.

        Returns:
            Candidates (best first, each ≥ ``CANDIDATE_MIN_SCORE``) and whether the best one is
            good enough to use without asking.
        """
        language = lang if lang in SUPPORTED else (detect(text).language or DEFAULT_LANGUAGE)
        words = normalize(text).split()[:MAX_WORDS]
        resolved = [self._word_forms(word) for word in words]
        forms = [form for form, _ in resolved]
        candidate_ids = sorted(
            {i for _, hit in resolved if hit is not None for i in self._index[hit]}
        )
        grams = self._ngrams(forms)
        if not candidate_ids or not grams:
            return self._umbrella(language, words, forms, limit) or MatchResult(language, (), False)
        choices = [self.choices[i] for i in candidate_ids]
        scores = process.cdist(
            [gram for gram, _, _ in grams],
            choices,
            scorer=SCORER,
            processor=None,
            score_cutoff=CANDIDATE_MIN_SCORE - SUBSUMED_PENALTY,
        )
        best: dict[str, tuple[float, int, int, int]] = {}  # id → (score, start, end, choice index)
        for g, c in zip(*scores.nonzero(), strict=True):
            gram, start, end = grams[g]
            score = float(scores[g, c])
            if len(gram) < MIN_FUZZY_CHARS and score < 100:
                continue
            choice = candidate_ids[c]
            occupation_id = self.keys[choice][0]
            known = best.get(occupation_id)
            if known is None or (score, end - start) > (known[0], known[2] - known[1]):
                best[occupation_id] = (score, start, end, choice)
        ranked = self._rank(best)
        candidates = tuple(
            Candidate(occupation_id, round(score, 1), self._display_name(choice))
            for occupation_id, score, choice in ranked[:limit]
        )
        confident = (
            bool(candidates)
            and candidates[0].score >= CONFIDENT_SCORE
            and (len(ranked) == 1 or ranked[0][1] - ranked[1][1] >= CONFIDENT_MARGIN)
        )
        if not confident and (umbrella := self._umbrella(language, words, forms, limit)):
            return umbrella
        return MatchResult(language, candidates, confident)

    def _umbrella(
        self, language: str, words: Sequence[str], forms: Sequence[str], limit: int
    ) -> MatchResult | None:
        """The occupations a general word may mean ("engineer"), offered to choose from."""
        terms = self.knowledge.umbrella_terms
        spans = [*words, *forms, *(" ".join(pair) for pair in pairwise(words))]
        for span in spans:
            ids = terms.get(span)
            if ids:
                candidates = tuple(Candidate(i, UMBRELLA_SCORE, span) for i in ids[:limit])
                return MatchResult(language, candidates, False)
        return None

    def _rank(self, best: dict[str, tuple[float, int, int, int]]) -> list[tuple[str, float, int]]:
        ranked = []
        for occupation_id, (score, start, end, choice) in best.items():
            subsumed = any(
                other_score >= score - SUBSUMED_TOLERANCE
                and other_start <= start
                and end <= other_end
                and other_end - other_start > end - start
                for other_id, (other_score, other_start, other_end, _) in best.items()
                if other_id != occupation_id
            )
            if subsumed:
                score -= SUBSUMED_PENALTY
            if score >= CANDIDATE_MIN_SCORE:
                ranked.append((occupation_id, score, choice))
        ranked.sort(key=lambda item: (-item[1], item[0]))
        return ranked

    def _display_name(self, choice: int) -> str:
        occupation_id, lang, i = self.keys[choice]
        return self.knowledge.occupations[occupation_id].names[lang][i]


@lru_cache(maxsize=4)
def _matcher_for(knowledge: KnowledgeBase) -> Matcher:
    return Matcher(knowledge)


def get_matcher(knowledge: KnowledgeBase | None = None) -> Matcher:
    """The matcher of ``knowledge`` (default: the project's knowledge base), built once."""
    return _matcher_for(knowledge or load_knowledge())
