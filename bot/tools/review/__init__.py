"""``make review``: what people asked that the assistant could not answer, and which answers
did not help, as a page for the people who keep it (``var/review/``, never committed).

``conversations`` reads the stored conversations into turns, ``findings`` works out what to
fix, ``grouping`` puts similar questions together, ``pseudonyms`` hides sender ids,
``charts`` draws the plots, ``page`` writes the HTML and Markdown, ``candidates`` the
training examples to consider, ``cli`` runs it all.
"""
