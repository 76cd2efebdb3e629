"""Speed and load: ``make bench`` (``benchmark``), its Locust driver (``load``), the turn
breakdown and profile, training time; ``report`` renders ``reports/benchmark.md``."""
