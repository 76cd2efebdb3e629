# The action server (links, tour, follow-ups, misses), scaled on its own.
#   docker build -f deploy/actions.Dockerfile -t copro-actions .
FROM python:3.10-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN useradd --create-home --uid 1001 actions
WORKDIR /app
COPY constraints.txt ./
RUN pip install --no-cache-dir -c constraints.txt rasa-sdk==3.6.2 PyYAML
COPY --chown=actions:actions actions/ actions/
# bot/action_server.py: rasa_sdk's app with the X-Action-Token check (standard library and
# rasa_sdk only); it refuses to bind beyond loopback without ACTION_SERVER_TOKEN.
COPY --chown=actions:actions bot/__init__.py bot/action_server.py bot/
COPY --chown=actions:actions bot/channels/__init__.py bot/channels/limits.py bot/channels/
USER actions

EXPOSE 5055
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=6 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5055/health', timeout=4)"
CMD ["python", "-m", "bot.action_server", "--host", "0.0.0.0", "--port", "5055"]
