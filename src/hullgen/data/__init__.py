"""The data stage: known datasets, their raw files, parsers and the canonical on-disk form."""
