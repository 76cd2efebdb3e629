"""Intent classifier: logistic regression over sentence embeddings and character n-grams.

Rasa's ``LogisticRegressionClassifier`` fixes the regularisation (C=1), which makes
its probabilities too flat for a fallback threshold over ~45 intents, and raw count
features swamp the 384 embedding dimensions. This classifier reads the dense sentence
features (from ``E5SentenceFeaturizer``), adds TF-IDF character n-grams of the text
itself, and fits a multinomial logistic regression with a configurable ``C``.

The trained model is stored as plain arrays (``.npz``) and JSON, never pickled.
"""

import json
import logging
from typing import Any, Dict, List, Optional, Text

import numpy as np
import scipy.sparse as sp
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from bot.nlu.e5_featurizer import FOCUS

logger = logging.getLogger(__name__)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class EmbeddingNgramIntentClassifier(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "C": 50.0,
            "max_iter": 3000,
            "min_ngram": 2,
            "max_ngram": 4,
            "max_chars": 500,
            "ranking_length": 10,
            "random_state": 42,
        }

    @staticmethod
    def required_packages() -> List[Text]:
        return ["sklearn"]

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        vectorizer: Optional[TfidfVectorizer] = None,
        classes: Optional[np.ndarray] = None,
        coef: Optional[np.ndarray] = None,
        intercept: Optional[np.ndarray] = None,
    ) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.vectorizer = vectorizer
        self.classes = classes
        self.coef = coef
        self.intercept = intercept

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "EmbeddingNgramIntentClassifier":
        return cls(config, model_storage, resource)

    def _new_vectorizer(self) -> TfidfVectorizer:
        return TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=(self.config["min_ngram"], self.config["max_ngram"]),
            sublinear_tf=True,
            lowercase=True,
        )

    def _texts(self, messages: List[Message]) -> List[Text]:
        return [(m.get(TEXT) or "")[: self.config["max_chars"]] for m in messages]

    @staticmethod
    def _embeddings(messages: List[Message]) -> np.ndarray:
        rows = []
        for message in messages:
            _, sentence = message.get_dense_features(TEXT)
            if sentence is None:
                raise ValueError("No dense sentence features: put E5SentenceFeaturizer first.")
            rows.append(sentence.features.reshape(-1))
        return np.vstack(rows)

    def _matrix(self, messages: List[Message]) -> sp.csr_matrix:
        ngrams = self.vectorizer.transform(self._texts(messages))
        return sp.hstack([sp.csr_matrix(self._embeddings(messages)), ngrams]).tocsr()

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(TEXT)]
        labels = [m.get(INTENT) for m in examples]
        if len(set(labels)) < 2:
            logger.warning("Fewer than two intents: the classifier is not trained.")
            return self._resource
        self.vectorizer = self._new_vectorizer().fit(self._texts(examples))
        model = LogisticRegression(
            C=self.config["C"],
            max_iter=self.config["max_iter"],
            class_weight="balanced",
            random_state=self.config["random_state"],
        ).fit(self._matrix(examples), labels)
        self.classes, self.coef, self.intercept = model.classes_, model.coef_, model.intercept_
        self.persist()
        return self._resource

    def probabilities(self, messages: List[Message]) -> np.ndarray:
        scores = self._matrix(messages) @ self.coef.T + self.intercept
        scores = np.asarray(scores) - np.max(scores, axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)

    def _scores(self, vectors: np.ndarray, texts: List[Text]) -> np.ndarray:
        ngrams = self.vectorizer.transform([t[: self.config["max_chars"]] for t in texts])
        return np.asarray(sp.hstack([sp.csr_matrix(vectors), ngrams]).tocsr() @ self.coef.T)

    def focused_probabilities(self, messages: List[Message]) -> np.ndarray:
        """Each message's probabilities; a long message's are averaged with its question's."""
        probs = self.probabilities(messages)
        for row, message in enumerate(messages):
            focused = message.get(FOCUS)
            if not focused:
                continue
            scores = self._scores(focused["vector"].reshape(1, -1), [focused["text"]])
            scores = scores + self.intercept
            exp = np.exp(scores - scores.max())
            probs[row] = 0.5 * probs[row] + 0.5 * (exp / exp.sum()).reshape(-1)
        return probs

    def process(self, messages: List[Message]) -> List[Message]:
        todo = [m for m in messages if m.get(TEXT) and self.coef is not None]
        if not todo:
            return messages
        for message, probs in zip(todo, self.focused_probabilities(todo), strict=True):
            order = np.argsort(-probs)[: self.config["ranking_length"]]
            ranking = [{"name": str(self.classes[i]), "confidence": float(probs[i])} for i in order]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set("intent_ranking", ranking, add_to_output=True)
        return messages

    def persist(self) -> None:
        with self._model_storage.write_to(self._resource) as directory:
            np.savez(
                directory / "model.npz",
                coef=self.coef,
                intercept=self.intercept,
                idf=self.vectorizer.idf_,
            )
            vocabulary = {k: int(v) for k, v in self.vectorizer.vocabulary_.items()}
            (directory / "model.json").write_text(
                json.dumps({"classes": [str(c) for c in self.classes], "vocabulary": vocabulary})
            )

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "EmbeddingNgramIntentClassifier":
        component = cls(config, model_storage, resource)
        try:
            with model_storage.read_from(resource) as directory:
                arrays = np.load(directory / "model.npz")
                meta = json.loads((directory / "model.json").read_text())
        except (ValueError, FileNotFoundError):
            logger.warning("No trained intent classifier found; intents will be empty.")
            return component
        vectorizer = component._new_vectorizer()
        vectorizer.vocabulary_ = meta["vocabulary"]
        vectorizer.idf_ = arrays["idf"]
        component.vectorizer = vectorizer
        component.classes = np.array(meta["classes"])
        component.coef, component.intercept = arrays["coef"], arrays["intercept"]
        return component
