"""The tools that measure and keep the assistant, apart from the assistant itself.

Nothing in the running assistant (``bot.channels``, ``bot.nlu``, ``bot.policies``, the
launcher and stores) imports from here, and the Rasa image in ``deploy/`` does not ship it.
``evaluation`` (answer quality), ``bench`` (speed and load), ``chat`` (a terminal client),
and the helpers they share: ``servers`` (real server processes), ``common`` (paths, the two
pipelines: ``config.yml`` and Rasa's default, ``pipelines/default.yml``), ``metrics``, ``plots``.
"""

import os

# The e5 engine uses OpenMP, whose default busy-waiting threads collapse when other
# processes share the cores (measured here: 2-7 s per parse instead of about 0.1 s).
# bot/nlu/e5_featurizer.py sets this too, but inside Rasa processes OpenMP is already
# initialised by then, so it must be in the environment before they start: every
# process these tools start inherits it.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
