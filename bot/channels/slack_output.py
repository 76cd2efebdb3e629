"""The output channel Rasa answers through: one Slack message per bot message."""

from typing import Any

from rasa.core.channels.channel import OutputChannel

from bot.channels.slack_api import SlackSender
from bot.channels.slack_blocks import MAX_BLOCKS, render_message
from bot.channels.slack_feedback import FeedbackWords, feedback_blocks


class SlackOutput(OutputChannel):
    """Posts each bot message with ``chat.postMessage`` to one channel (and thread).

    A content answer (its message names an ``answer_id``) gets the feedback buttons when
    ``feedback`` gives their words.
    """

    @classmethod
    def name(cls) -> str:
        return "slack"

    def __init__(
        self,
        sender: SlackSender,
        channel: str,
        thread_ts: str | None = None,
        feedback: FeedbackWords | None = None,
    ) -> None:
        super().__init__()
        self.sender, self.channel, self.thread_ts = sender, channel, thread_ts
        self.feedback = feedback

    def _render(
        self, text: str, buttons: list[dict[str, Any]] | None, kwargs: dict[str, Any]
    ) -> dict[str, Any]:
        message = render_message(text, buttons, self.feedback.options if self.feedback else "")
        if self.feedback:
            controls = feedback_blocks(kwargs.get("answer_id"), self.feedback)
            message["blocks"] = (message["blocks"] + controls)[:MAX_BLOCKS]
        return message

    async def _post(self, message: dict[str, Any]) -> None:
        await self.sender.post_message(self.channel, {**message, "thread_ts": self.thread_ts})

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._post(self._render(text, None, kwargs))

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self._post(self._render(text, buttons, kwargs))

    async def send_quick_replies(
        self, recipient_id: str, text: str, quick_replies: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self._post(self._render(text, quick_replies, {}))

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        block = {"type": "image", "image_url": image, "alt_text": image}
        await self._post({"text": image, "blocks": [block]})

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        """A custom payload goes to ``chat.postMessage`` as it is, in this conversation's place."""
        await self._post({k: v for k, v in json_message.items() if k != "channel"})
