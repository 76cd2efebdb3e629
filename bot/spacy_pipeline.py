"""Builds the project's own small spaCy pipeline (no pretrained model is downloadable here).

A blank English tokenizer plus an ``entity_ruler`` whose phrase patterns come
from the links catalogue, so "can I see the full survey report?" yields the
entities ``strand=survey`` and ``format=full report``. Rasa loads the result
through ``SpacyNLP`` (``model: var/spacy/en_copro``). Run by ``make install``
and ``make train``; the output is rebuilt, never committed.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import spacy
from spacy.language import Language

from actions.catalogue import LINKS_FILE, load_catalogue

DEFAULT_OUTPUT = Path("var/spacy/en_copro")


def build_pipeline(links_file: Path = LINKS_FILE) -> Language:
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    ruler.add_patterns(load_catalogue(links_file).patterns())
    nlp.meta["name"] = "copro"
    nlp.meta["description"] = "Blank English tokenizer + catalogue entity ruler"
    return nlp


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args()
    nlp = build_pipeline()
    args.output.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(args.output)
    count = len(nlp.get_pipe("entity_ruler").patterns)
    print(f"spaCy pipeline with {count} entity patterns written to {args.output}")


if __name__ == "__main__":
    main()
