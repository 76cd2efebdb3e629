"""Answer quality: the held-out check (``heldout``), conversation cases over REST (``cases``)
and ``make evaluate``'s comparison with Rasa's default pipeline (``compare``)."""
