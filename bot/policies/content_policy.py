"""One policy answers every content question: no rule per topic to write or forget.

After a user message whose intent is a topic of ``actions/content/topics.yml`` (or
``choose_item``, "the third one"), it predicts ``action_answer``; after that, listening.
The topics are read from the content when the policy is made, so adding a topic needs its
facts and training examples, nothing here. Everything else is left to the rules.
"""

from __future__ import annotations

from typing import Any

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from actions.knowledge import load_knowledge

ANSWER_ACTION = "action_answer"
EXTRA_INTENTS = ("choose_item",)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class ContentPolicy(Policy):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # Above RulePolicy's 6 would override rules; content intents have none.
        return {"priority": 5}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        featurizer: Any | None = None,
    ) -> None:
        super().__init__(config, model_storage, resource, execution_context, featurizer)
        self.intents = set(load_knowledge().topics) | set(EXTRA_INTENTS)

    def train(
        self, training_trackers: list[TrackerWithCachedStates], domain: Domain, **kwargs: Any
    ) -> Resource:
        missing = sorted(self.intents - set(domain.intents))
        if missing:
            raise ValueError(f"Topics without an intent in domain.yml: {', '.join(missing)}")
        if ANSWER_ACTION not in domain.action_names_or_texts:
            raise ValueError(f"domain.yml does not list {ANSWER_ACTION}")
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        result = self._default_predictions(domain)
        latest = tracker.latest_action_name
        if latest == ANSWER_ACTION:
            result[domain.index_for_action(ACTION_LISTEN_NAME)] = 1.0
        elif latest == ACTION_LISTEN_NAME and tracker.latest_message:
            if tracker.latest_message.intent.get("name") in self.intents:
                result[domain.index_for_action(ANSWER_ACTION)] = 1.0
        return self._prediction(result)
