# The Value of Co-Production assistant. Quick start: `make run`, then `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
# OpenMP threads (the e5 engine) must sleep, not spin, while waiting: see bot/nlu/e5_featurizer.py
export OMP_WAIT_POLICY := PASSIVE
export PYTHONPATH := $(CURDIR)

INSTALLED := $(VENV)/.installed
SPACY_MODEL := var/spacy/en_copro/meta.json
MODEL := models/assistant.tar.gz
TRAINING_INPUTS := config.yml domain.yml $(shell find data -name '*.yml') $(wildcard bot/nlu/*.py bot/policies/*.py) actions/content/topics.yml actions/knowledge.py $(SPACY_MODEL)
CONVERSATION_TESTS := $(wildcard tests/test_*.yml)
# Regression floors for the held-out check (targets: 95% / 90%; see README "NLU quality"):
# topic accuracy, off-topic declined, single-fact questions whose fact leads the reply,
# and the conversation cases played over REST (tests/heldout/cases/, outside-style scoring).
MIN_ACCURACY := 0.87
MIN_REJECTION := 0.92
MIN_FACT_FIRST := 0.85
MIN_CASES := 0.80
HELDOUT_CASES := $(wildcard tests/heldout/cases/*.yml)

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

## test-all: `make test`, then scale-out for real: PostgreSQL and Redis (Debian packages,
## started as local processes) shared by two Rasa instances; nginx checks deploy/'s config
.PHONY: test-all scale-deps
test-all: scale-deps test
	COPRO_SCALE_TESTS=1 $(PY) -m pytest -q -m scale tests/scale

scale-deps:
	bash scripts/install-scale-deps.sh

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
	$(PY) -m bot.evaluate --model $(MODEL) --check --min-accuracy $(MIN_ACCURACY) \
	  --min-rejection $(MIN_REJECTION) --min-fact-first $(MIN_FACT_FIRST)
	$(PY) -m bot.evaluation.cases $(HELDOUT_CASES) --model $(MODEL) --check --min $(MIN_CASES)

## evaluate: answer quality, ours vs Rasa's default pipeline -> reports/evaluation.md
## (cross-validation, held-out set, conversation tests, end-to-end over REST)
.PHONY: evaluate bench
evaluate: $(MODEL)
	$(PY) -m bot.evaluation.evaluate $(EVALUATE_ARGS)

## bench: latency, throughput, memory, training time, 50x20 load test -> reports/benchmark.md
## (Locust in var/venv-bench from requirements-bench.txt; not part of `make test`)
bench: $(INSTALLED) $(SPACY_MODEL)
	$(PY) -m bot.evaluation.bench $(BENCH_ARGS)

lint: $(INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(INSTALLED)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf models var .pytest_cache
