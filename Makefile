# The Value of Co-Production assistant. Quick start: `make run`, then `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONPATH := $(CURDIR)

INSTALLED := $(VENV)/.installed
SPACY_MODEL := var/spacy/en_copro/meta.json
MODEL := models/assistant.tar.gz
TRAINING_INPUTS := config.yml domain.yml $(shell find data -name '*.yml') bot/nlu/e5_featurizer.py $(SPACY_MODEL)
CONVERSATION_TESTS := $(wildcard tests/test_*.yml)
# Regression floors for the held-out check (targets: 95% / 90%; see README "NLU quality").
MIN_ACCURACY := 0.92
MIN_REJECTION := 0.90

.PHONY: install system train run chat test validate unit conversations heldout lint format clean

install: $(INSTALLED)

$(INSTALLED): requirements.txt requirements-hashes.txt constraints.txt scripts/install.sh
	bash scripts/install.sh
	touch $@

$(SPACY_MODEL): $(INSTALLED) actions/content/links.yml actions/catalogue.py bot/spacy_pipeline.py
	$(PY) -m bot.spacy_pipeline --output var/spacy/en_copro

## system: Debian packages for the tests (Chromium for the widget's browser tests)
system:
	bash scripts/install-system.sh

## train: retrain only when the data, domain, config or entity patterns changed
train: $(MODEL)

$(MODEL): $(INSTALLED) $(TRAINING_INPUTS)
	$(RASA) train --fixed-model-name assistant --out models
	touch $@

## run: install, train if needed, start the assistant (Rasa 5005 + actions 5055)
run: $(MODEL)
	$(PY) -m bot run

## chat: talk to the running assistant in the terminal
chat: $(INSTALLED)
	$(PY) -m bot chat

## test: data validation, pytest (unit, content, integration), conversation tests, held-out accuracy
test: validate unit conversations heldout

# Warnings are not fatal: responses sent only by custom actions are reported as "unused".
validate: $(MODEL)
	$(RASA) data validate

unit: $(MODEL) system
	$(PY) -m pytest -q

conversations: $(MODEL)
	set -e; for file in $(CONVERSATION_TESTS); do \
	  $(RASA) test core --model $(MODEL) --stories $$file --fail-on-prediction-errors \
	    --out var/results/conversations/$$(basename $$file .yml); \
	done

heldout: $(MODEL)
	$(PY) -m bot.evaluate --model $(MODEL) --check --min-accuracy $(MIN_ACCURACY) --min-rejection $(MIN_REJECTION)

lint: $(INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(INSTALLED)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf models var .pytest_cache
