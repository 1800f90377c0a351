"""What a run knows of the project: configuration, file discovery, cache, baseline, ``--since``."""
