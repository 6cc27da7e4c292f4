"""The checks on a rewrite's output: lints, claim checks against the sources, counters and the web card."""
