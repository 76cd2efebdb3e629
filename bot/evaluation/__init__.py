"""Measurements: ``make evaluate`` (answer quality) and ``make bench`` (speed and load).

Both compare the project's pipeline (``config.yml``) with Rasa's default pipeline
(``pipelines/default.yml``) trained on the same data, and write ``reports/``.
"""

import os

# The e5 engine uses OpenMP, whose default busy-waiting threads collapse when other
# processes share the cores (measured here: 2-7 s per parse instead of about 0.1 s).
# bot/nlu/e5_featurizer.py sets this too, but inside Rasa processes OpenMP is already
# initialised by then, so it must be in the environment before they start: every
# process these tools start inherits it.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
