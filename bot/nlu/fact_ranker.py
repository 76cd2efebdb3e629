"""Decides, after the intent classifier, which fact answers a question, or that none does.

The intent classifier only names a topic. This component ranks the summary's facts
(``actions/content/topics.yml``) against the question and then:

- **answers precisely**: a question about one fact gets ``answer.fact``, so the reply leads
  with it; a broad question gets the topic (``answer.fact`` is None);
- **declines what the summary does not hold**: a question that asks for a kind of answer
  (a number, an amount, a date, a duration, contact details, a name, a place) that no
  fact near the top gives, or asks it about another organisation or research strand than
  the fact's, or with a rare word its topic never uses, or names a number or a numbered
  thing the summary never gives ("phase 3"), becomes ``nlu_fallback`` with the reason in
  ``decline``; so does an unsure classification of a question with a word nothing here
  uses; advice and "how do I do it"
  questions (trained as ``out_of_scope_advice`` / ``out_of_scope_practice``) become
  ``out_of_scope``, the name clients and analytics rely on;
- **guards control intents**: "next", "stop", "tell me more" fire only on messages that
  plainly are them; a longer message that names a topic goes to that topic;
- flags **fragments** ("and in phase two?") for the dialogue step, which alone knows the
  previous question.

Facts are ranked by the question's embedding against the training questions that point
at each fact (``metadata: {fact: <id>}`` in ``data/nlu/facts.yml``) and against the fact's
own words, plus the rare words they share. Everything is stored as arrays and JSON.
"""

from __future__ import annotations

import difflib
import json
import logging
import re
from typing import Any, Dict, List, Optional, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from actions.catalogue import load_catalogue
from actions.knowledge import Knowledge, load_knowledge
from bot.nlu import question_shape
from bot.nlu.e5_featurizer import FOCUS, _model

logger = logging.getLogger(__name__)

FALLBACK = "nlu_fallback"
OUT_OF_SCOPE = "out_of_scope"
# Trained decline intents, reported to clients as out_of_scope with the reason kept.
DECLINE_INTENTS = {
    "out_of_scope_advice": "advice",
    "out_of_scope_practice": "practice",
}
CONTROL_INTENTS = {
    "tour_start", "tour_next", "tour_back", "tour_skip", "tour_stop", "tour_resume",
    "tell_more", "ask_example", "ask_source", "choose_item",
    "greet", "goodbye", "thanks", "bot_challenge", "help", "restart",
}  # fmt: skip
# Organisations the summary names: a question about one of them is answered only by a fact
# that names it too ("the EPPI Centre's phone number" is not the Collective's).
ORGANISATIONS = {
    "eppi": re.compile(r"\beppi\b", re.I),
    "gobby": re.compile(r"\bgobby\b", re.I),
    "peoples voice media": re.compile(r"\bpeople'?s voice\b|\bpvm\b", re.I),
    "institute of community reporters": re.compile(r"\binstitute of community\b|\bicr\b", re.I),
    "research england": re.compile(r"\bresearch england\b", re.I),
    "ucl engagement": re.compile(r"\bucl engagement\b", re.I),
}
# A bold capitalised title in a fact ("**Voices in Maternity Care**") is a name it gives.
BOLD_TITLE = re.compile(r"\*\*[A-Z][\w'’-]*(?:\s+(?:of|in|for|and|the|[A-Z][\w'’#:-]*))+\*\*")
LINK_INTENT = "ask_link"
LINK_ENTITIES = {"story", "case_study", "resource"}
SUBJECT_KINDS = {
    "contact", "phone", "email", "address", "website", "social",
    "count", "money", "date", "person", "place", "duration",
}  # fmt: skip
_STOP = set(
    "the a an and or of to in on for with from by at is are was were be been it its this that "
    "these those what which who whom how why when where do does did can could would should will "
    "about into than then there their they them you your we our us i me my co production "
    "coproduction project research value tell more give show please any some also "
    # words that only say what kind of answer is wanted, or how precisely
    "many much number percentage percent proportion share fraction long exactly roughly "
    "approximately overall total altogether actually really just like know want need find "
    "out get got have has had say says said mention mentioned document resource summary "
    "interactive according here there there's whats what's thing things people person "
    "anyone someone kind sort type part % £ each every per get gets getting give given "
    "make made makes use used using able also still even only other others another "
    "much most more less least very well good best way ways does doing done go going "
    "come came comes take took taken see look looking tell told ask asked asking "
    "talk talking mean means meaning here now then again ever never yes no not "
    "couldnt cant dont wont isnt doesnt didnt wasnt arent im ive id youre somebody "
    "something anything everyone everybody anybody".split()
)
# Rare words of the question that none of a fact's words (its text, its topic's title and
# intro, its topic's training questions) begin like: a question asked of a fact about
# something the topic does not speak of ("How many *men* filled in the survey?").
PREFIX = 5


def _stem(word: str) -> str:
    return word[:PREFIX]


def has_close(word: str, buckets: Dict[str, List[str]]) -> bool:
    """Whether a word of ``buckets`` (words by first letter) is a likely typo of ``word``."""
    return bool(difflib.get_close_matches(word, buckets.get(word[:1], ()), n=1, cutoff=0.75))


def by_first_letter(words: set[str]) -> Dict[str, List[str]]:
    buckets: Dict[str, List[str]] = {}
    for word in words:
        buckets.setdefault(word[:1], []).append(word)
    return buckets


_CONTRACTION = re.compile(r"(n't|'d|'s|'ll|'re|'ve|'m)$")


def _vocabulary_words(text: str) -> set[str]:
    """The words that carry meaning, cut to their first letters ("they'd" is "they")."""
    words = (_CONTRACTION.sub("", w) for w in question_shape.words(text))
    return {_stem(w) for w in words if w and w not in _STOP}


def _content_words(text: str) -> set[str]:
    """Words that tell facts apart: rare words, and every number ("phase 2", "39%")."""
    return {
        w.rstrip("s")
        for w in question_shape.words(text)
        if (len(w) > 3 or any(c.isdigit() for c in w)) and w not in _STOP
    }


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class FactRanker(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            # A fact leads the answer when it beats the topic's broad questions by this much
            "precise_margin": 0.0,
            # ... and the topic's next fact by this much.
            "runner_up_margin": 0.01,
            # A fact of another kind or topic counts when this close to the best score.
            "kind_window": 0.08,
            # Weight of the fact's own words against its training questions.
            "passage_weight": 0.3,
            # Score added per word the question shares with the fact, weighted by its rarity.
            "lexical_bonus": 0.04,
            # Score added per number the question shares with the fact ("phase 2").
            "number_bonus": 0.04,
            # Control intents ("next", "stop") only for messages up to this many words.
            "control_max_words": 6,
            # A topic may replace a guarded control intent from at least this confidence.
            "control_fallback_confidence": 0.05,
            "ranking_length": 10,
            # An unsure message of at most this many words naming a story is a link request.
            "link_max_words": 4,
            # An unsure classifier is overruled when a fact's questions match this closely.
            "rescue_score": 0.88,
            # A question word used by at most this many intents' questions is a subject word.
            "rare_topics": 2,
            # Below this confidence, a question word nothing here uses means "not ours";
            "foreign_confidence": 0.5,
            # below this one, so does a rare word its topic never uses in a short question.
            "short_confidence": 0.7,
            "short_words": 8,
        }

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        arrays: Optional[Dict[str, np.ndarray]] = None,
        labels: Optional[List[str]] = None,
        example_vocabulary: Optional[Dict[str, List[str]]] = None,
    ) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.knowledge: Knowledge = load_knowledge()
        self.arrays = arrays or {}
        self.labels = labels or []
        self.fact_ids = list(self.knowledge.facts)
        self._fact_words = {
            fid: _content_words(fact.plain) for fid, fact in self.knowledge.facts.items()
        }
        catalogue = load_catalogue()
        titles = [
            e.title.split(": ")[-1]
            for label in ("story", "case_study")
            for e in catalogue.all(label)
        ]
        self._names = [re.compile(re.escape(t), re.I) for t in titles] + list(
            ORGANISATIONS.values()
        )
        self._fact_kinds = {fid: self._kinds_of(fid) for fid in self.knowledge.facts}
        every_text = " ".join(
            " ".join([t.title, t.intro, *(f.plain for f in t.facts)])
            for t in self.knowledge.topics.values()
        )
        self._numbered = question_shape.numbered_things(every_text)
        counts: Dict[str, int] = {}
        for fact_words in self._fact_words.values():
            for word in fact_words:
                counts[word] = counts.get(word, 0) + 1
        # A shared word counts for more the fewer facts use it ("2" in "phase 2").
        self._rarity = {word: 1.0 / count for word, count in counts.items()}
        self.example_vocabulary = example_vocabulary or {}
        self._strands = self._strand_subjects()
        self._topic_numbers = {
            name: question_shape.precise_numbers(" ".join(f.plain for f in topic.facts))
            for name, topic in self.knowledge.topics.items()
        }
        self._index()

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "FactRanker":
        return cls(config, model_storage, resource)

    # ---------- training ----------
    def train(self, training_data: TrainingData) -> Resource:
        vectors, labels = [], []
        vocabulary: Dict[str, set] = {}
        for message in training_data.intent_examples:
            _, sentence = message.get_dense_features(TEXT)
            if sentence is None:
                continue
            intent = message.get(INTENT)
            metadata = (message.get("metadata") or {}).get("intent") or {}
            fact = metadata.get("fact") if isinstance(metadata, dict) else None
            if fact and fact not in self.knowledge.facts:
                raise ValueError(f"training example points at unknown fact {fact!r}")
            labels.append(f"fact:{fact}" if fact else f"intent:{intent}")
            vectors.append(sentence.features.reshape(-1))
            # A topic's words: every question it was trained on, whichever fact it names.
            vocabulary.setdefault(intent, set()).update(_vocabulary_words(message.get(TEXT)))
        passages = np.atleast_2d(
            _model().passage([self.knowledge.facts[f].plain for f in self.fact_ids])
        ).astype(np.float32)
        self.arrays = {"examples": np.vstack(vectors).astype(np.float32), "passages": passages}
        self.labels = labels
        self.example_vocabulary = {k: sorted(v) for k, v in vocabulary.items()}
        self._index()
        with self._model_storage.write_to(self._resource) as directory:
            np.savez(directory / "ranker.npz", **self.arrays)
            (directory / "ranker.json").write_text(
                json.dumps(
                    {
                        "labels": labels,
                        "facts": self.fact_ids,
                        "vocabulary": self.example_vocabulary,
                    }
                )
            )
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "FactRanker":
        try:
            with model_storage.read_from(resource) as directory:
                arrays = dict(np.load(directory / "ranker.npz"))
                meta = json.loads((directory / "ranker.json").read_text())
        except (ValueError, FileNotFoundError):
            logger.warning("No trained fact ranker found; answers will not be precise.")
            return cls(config, model_storage, resource)
        component = cls(
            config, model_storage, resource, arrays, meta["labels"], meta.get("vocabulary")
        )
        if meta["facts"] != component.fact_ids:
            logger.warning("The facts changed since training: run `make train`.")
        return component

    def _strand_subjects(self) -> list[tuple[re.Pattern, set[str]]]:
        """Each research strand's names (links catalogue) and the topics that speak of it:
        its own topic and those in the same section of the summary."""
        subjects = []
        for strand in load_catalogue().all("strand"):
            home = self.knowledge.topic(strand.topic)
            if home is None or not strand.aliases:
                continue
            names = "|".join(re.escape(a) for a in sorted(strand.aliases, key=len, reverse=True))
            family = {n for n, t in self.knowledge.topics.items() if t.section == home.section}
            subjects.append((re.compile(rf"\b({names})\b", re.I), family | {home.name}))
        return subjects

    def _kinds_of(self, fid: str) -> set:
        """The kinds of answer a fact gives: a fact naming organisations, stories or case
        studies gives names; a listed fact also answers "how many <what it lists>"."""
        fact = self.knowledge.facts[fid]
        kinds = question_shape.fact_kinds(fact.plain)
        if any(name.search(fact.plain) for name in self._names) or BOLD_TITLE.search(fact.text):
            kinds.add("name")
        if fact.list or self.knowledge.topics[fact.topic].list != "paragraphs":
            kinds.add("listed")
        return kinds

    def _fits(self, question: str, fid: str, kinds: set) -> bool:
        """Whether the fact gives the kind of answer asked for."""
        own = self._fact_kinds[fid]
        if kinds & own:
            return True
        return "count" in kinds and "listed" in own and self._lists_what_is_counted(question, fid)

    def _lists_what_is_counted(self, question: str, fid: str) -> bool:
        """ "How many partners?" is answered by the list of partners, not "how many staff"."""
        counted = question_shape.counted_noun(question)
        fact = self.knowledge.facts[fid]
        topic = self.knowledge.topics[fact.topic]
        listed = _vocabulary_words(" ".join([fact.intro, topic.intro, topic.title]))
        return bool(counted) and _stem(counted) in listed

    def _fact_vocabulary(self, fid: str) -> set[str]:
        fact = self.knowledge.facts[fid]
        topic = self.knowledge.topics[fact.topic]
        words = _vocabulary_words(" ".join([fact.plain, fact.intro, topic.title, topic.intro]))
        return words | set(self.example_vocabulary.get(fact.topic, ()))

    def unknown_words(self, question: str, fid: str) -> set[str]:
        """The question's rare words that the fact's topic never uses.

        A word is rare when at most ``rare_topics`` topics' questions use it: "men",
        "London", "excluded" are; "team", "back", "whole" are everyday words of many.
        """
        limit = int(self.config["rare_topics"])
        vocabulary = self._vocab[fid]
        return {
            w
            for w in _vocabulary_words(question) - vocabulary
            if len(w) > 2
            and self._topic_count.get(w, 0) <= limit
            # a typo of a word the topic uses ("adres", "numbr") is that word
            and not has_close(w, self._vocab_buckets[fid])
        }

    def foreign_words(self, question: str) -> set[str]:
        """Words of the question that nothing the assistant answers uses, nor a typo of one
        ("the value of the *pound*")."""
        return {
            w
            for w in _vocabulary_words(question) - self._answerable
            if len(w) > 2 and not has_close(w, self._answerable_buckets)
        }

    def _index(self) -> None:
        """Which example rows point at which fact, and which are a topic's broad questions."""
        self._fact_rows: Dict[str, np.ndarray] = {}
        self._intent_rows: Dict[str, np.ndarray] = {}
        facts: Dict[str, list] = {}
        intents: Dict[str, list] = {}
        for row, label in enumerate(self.labels):
            kind, _, name = label.partition(":")
            (facts if kind == "fact" else intents).setdefault(name, []).append(row)
        self._fact_rows = {k: np.array(v) for k, v in facts.items()}
        self._vocab = {fid: self._fact_vocabulary(fid) for fid in self.knowledge.facts}
        self._vocab_buckets = {fid: by_first_letter(v) for fid, v in self._vocab.items()}
        self._topic_count: Dict[str, int] = {}
        for words in self.example_vocabulary.values():
            for word in words:
                self._topic_count[word] = self._topic_count.get(word, 0) + 1
        # Every word of the questions the assistant answers (declines excluded) or of its facts.
        self._answerable = set().union(
            *(w for name, w in self.example_vocabulary.items() if name not in DECLINE_INTENTS
              and name != OUT_OF_SCOPE),
            *(_vocabulary_words(f.plain) for f in self.knowledge.facts.values()),
        )  # fmt: skip
        self._answerable_buckets = by_first_letter(self._answerable)
        self._intent_rows = {k: np.array(v) for k, v in intents.items()}

    # ---------- scoring ----------
    def _queries(self, message: Message) -> Optional[np.ndarray]:
        """The question's embedding, and a long message's question's, as rows."""
        if "examples" not in self.arrays:
            return None
        _, sentence = message.get_dense_features(TEXT)
        if sentence is None:
            return None
        queries = [sentence.features.reshape(-1)]
        focused = message.get(FOCUS)
        if focused:
            queries.append(np.asarray(focused["vector"]).reshape(-1))
        return np.vstack(queries)

    def fact_scores(self, message: Message) -> tuple[Dict[str, float], Optional[np.ndarray]]:
        """Each fact's score, and the question's similarity to every training question."""
        query = self._queries(message)
        if query is None:
            return {}, None
        example_sims = (self.arrays["examples"] @ query.T).max(axis=1)
        passage_sims = (self.arrays["passages"] @ query.T).max(axis=1)
        focused = message.get(FOCUS)
        question_words = _content_words((focused or {}).get("text") or message.get(TEXT) or "")
        weight = float(self.config["passage_weight"])
        scores = {}
        for index, fid in enumerate(self.fact_ids):
            rows = self._fact_rows.get(fid)
            passage = float(passage_sims[index])
            score = passage
            if rows is not None and len(rows):
                score = (1 - weight) * float(example_sims[rows].max()) + weight * passage
            common = question_words & self._fact_words[fid]
            shared = sum(self._rarity[w] for w in common)
            numbers = sum(any(c.isdigit() for c in w) for w in common)
            scores[fid] = (
                score
                + float(self.config["lexical_bonus"]) * min(shared, 3.0)
                + float(self.config["number_bonus"]) * numbers
            )
        return scores, example_sims

    def _broad_score(self, topic: str, example_sims: np.ndarray) -> float:
        """The question's best match among the topic's broad (fact-less) training questions."""
        rows = self._intent_rows.get(topic)
        return float(example_sims[rows].max()) if rows is not None and len(rows) else -1.0

    # ---------- decisions ----------
    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            # "/intent" payloads (buttons) are Rasa's RegexMessageHandler's, not questions.
            if message.get(TEXT) and not message.get(TEXT).startswith("/"):
                self._decide(message)
        return messages

    def _decide(self, message: Message) -> None:
        text = message.get(TEXT) or ""
        focused = (message.get(FOCUS) or {}).get("text")
        question = focused or text
        intent = dict(message.get(INTENT) or {})
        ranking = list(message.get("intent_ranking") or [])
        name = intent.get("name")
        scores, example_sims = self.fact_scores(message)
        ranked = sorted(scores, key=scores.get, reverse=True)
        kinds = sorted(question_shape.asked_kinds(question))
        message.set(
            "fact_ranking",
            [
                {
                    "fact": fid,
                    "topic": self.knowledge.facts[fid].topic,
                    "score": round(scores[fid], 3),
                    "fits": bool(kinds) and self._fits(question, fid, set(kinds)),
                }
                for fid in ranked[: int(self.config["ranking_length"])]
            ],
            add_to_output=True,
        )
        message.set("fragment", question_shape.is_fragment(text), add_to_output=True)
        message.set("asked_kinds", kinds, add_to_output=True)
        asks = set(kinds) & question_shape.PRIMARY_KINDS

        if name in (FALLBACK, OUT_OF_SCOPE):
            # The classifier was unsure or declined: keep it unless a fact plainly answers
            # a question of a topic the classifier also considered.
            rescued = self._rescue(ranked, scores, ranking) if name == FALLBACK else None
            if rescued is None and not asks and self._names_a_link(message, text):
                # "noreen", "hearing birdsong": a short message naming a story or report
                chosen = {"name": LINK_INTENT, "confidence": intent.get("confidence")}
                message.set(INTENT, chosen, add_to_output=True)
                return
            if rescued is None:
                reason = "unsure" if name == FALLBACK else "off_topic"
                self._decline(message, name, reason, intent, ranked[0] if ranked else None)
                return
            name, intent = rescued, {"name": rescued, "confidence": intent.get("confidence")}
        if name in DECLINE_INTENTS:
            self._decline(message, OUT_OF_SCOPE, DECLINE_INTENTS[name], intent, None)
            return
        if name in CONTROL_INTENTS:
            name = self._guard_control(message, text, intent, ranking)
        if name == LINK_INTENT or self.knowledge.topic(name):
            missing = question_shape.numbered_things(question) - self._numbered
            if missing or (name == LINK_INTENT and asks):
                # "phase 3", "version 2"; "how old is Hameed?" asked of a story's link
                self._decline(message, FALLBACK, "not_in_summary", intent, ranked[0], question)
                return
        topic = self.knowledge.topic(name)
        if topic is None or not scores:
            return
        asked_numbers = question_shape.precise_numbers(question)
        if asked_numbers - self._topic_numbers[topic.name] and not any(
            numbers >= asked_numbers for numbers in self._topic_numbers.values()
        ):
            # "version 2.0", "in 2021": a number the summary never gives for this
            self._decline(message, FALLBACK, "not_in_summary", intent, ranked[0], question)
            return
        self._answer(
            message, topic.name, scores, example_sims, ranked, set(kinds), question, intent
        )

    def _names_a_link(self, message: Message, text: str) -> bool:
        entities = {e.get("entity") for e in message.get("entities") or []}
        return bool(entities & LINK_ENTITIES) and question_shape.word_count(text) <= int(
            self.config["link_max_words"]
        )

    def _rescue(
        self, ranked: List[str], scores: Dict[str, float], ranking: List[dict]
    ) -> Optional[str]:
        if not ranked or scores[ranked[0]] < float(self.config["rescue_score"]):
            return None
        topic = self.knowledge.facts[ranked[0]].topic
        considered = [r["name"] for r in ranking if r["name"] != FALLBACK][:3]
        return topic if topic in considered else None

    def _guard_control(
        self, message: Message, text: str, intent: dict, ranking: List[dict]
    ) -> Optional[str]:
        """A long message that the classifier read as "next" or "stop" goes to its topic."""
        if question_shape.word_count(text) <= int(self.config["control_max_words"]):
            return intent.get("name")
        for candidate in ranking[1:4]:
            if self.knowledge.topic(candidate["name"]) and candidate["confidence"] >= float(
                self.config["control_fallback_confidence"]
            ):
                chosen = {"name": candidate["name"], "confidence": candidate["confidence"]}
                message.set(INTENT, chosen, add_to_output=True)
                message.set("guarded_intent", intent.get("name"), add_to_output=True)
                return candidate["name"]
        return intent.get("name")

    def _answer(
        self,
        message: Message,
        topic_name: str,
        scores: Dict[str, float],
        example_sims: np.ndarray,
        ranked: List[str],
        kinds: set,
        question: str,
        intent: dict,
    ) -> None:
        topic = self.knowledge.topics[topic_name]
        in_topic = [fid for fid in ranked if self.knowledge.facts[fid].topic == topic_name]
        best = in_topic[0]
        asked = question_shape.last_question(question)
        chosen: Optional[str] = None
        if kinds:
            # The fact must give that kind of answer, about what was asked, and be among the
            # best: in the classifier's topic, or anywhere near the top.
            window = float(self.config["kind_window"])
            top = scores[ranked[0]]
            pool = in_topic[:3] + [fid for fid in ranked[:10] if fid not in in_topic[:3]]
            candidates = [
                fid
                for fid in pool
                if scores[fid] >= top - window
                and self._fits(question, fid, kinds)
                and self._same_subject(question, fid, kinds)
                and not self.unknown_words(asked, fid)
            ]
            if not candidates:
                self._decline(message, FALLBACK, "not_in_summary", intent, best, question)
                return
            chosen = max(candidates, key=scores.get)
            topic = self.knowledge.topics[self.knowledge.facts[chosen].topic]
        runner_up = scores[in_topic[1]] if len(in_topic) > 1 else -1.0
        broad = self._broad_score(topic.name, example_sims)
        confidence = float(intent.get("confidence") or 0)
        if not kinds and (
            (confidence < float(self.config["foreign_confidence"]) and self.foreign_words(asked))
            or (
                confidence < float(self.config["short_confidence"])
                and question_shape.word_count(asked) <= int(self.config["short_words"])
                and self.unknown_words(asked, best)
            )
        ):
            # A word no answer here uses (or, in a short question, a rare word its topic never
            # uses: "the value of the *pound*"), and the classifier was not sure: not ours.
            self._decline(message, FALLBACK, "unsure", intent, best, question)
            return
        if not kinds and len(topic.facts) > 1:
            if scores[best] >= broad + float(self.config["precise_margin"]) and scores[
                best
            ] - runner_up >= float(self.config["runner_up_margin"]):
                chosen = best
        follow_on = self.knowledge.follow_on(chosen)
        if follow_on:
            # "The second value?": the value itself (its answer leads with the headline).
            topic, chosen = self.knowledge.topics[follow_on], None
        if topic.name != intent.get("name"):
            message.set(
                INTENT,
                {"name": topic.name, "confidence": intent.get("confidence")},
                add_to_output=True,
            )
        order = [fid for fid in ranked if self.knowledge.facts[fid].topic == topic.name]
        message.set(
            "answer",
            {
                "topic": topic.name,
                "fact": chosen,
                "order": order[:1],
                # why: the best fact's score, the topic's best broad question, the next fact
                "score": round(scores[best], 4),
                "broad": round(broad, 4),
                "runner_up": round(runner_up, 4),
            },
            add_to_output=True,
        )

    def _same_subject(self, question: str, fid: str, kinds: set) -> bool:
        """A question about a named organisation is answered only by a fact that names it,
        and one about a research strand ("survey respondents") only by that strand's facts."""
        if not kinds & SUBJECT_KINDS:
            return True
        fact = self.knowledge.facts[fid]
        for pattern in ORGANISATIONS.values():
            if pattern.search(question) and not pattern.search(fact.plain):
                return False
        named = [family for pattern, family in self._strands if pattern.search(question)]
        return not named or any(fact.topic in family for family in named)

    def _decline(
        self,
        message: Message,
        name: str,
        reason: str,
        intent: dict,
        fact: Optional[str],
        question: Optional[str] = None,
    ) -> None:
        message.set(
            "decline",
            {
                "reason": reason,
                "question": question,
                "intent": intent.get("name"),
                "confidence": intent.get("confidence"),
                "topic": self.knowledge.facts[fact].topic if fact else None,
                "fact": fact,
            },
            add_to_output=True,
        )
        message.set(
            INTENT, {"name": name, "confidence": intent.get("confidence")}, add_to_output=True
        )
