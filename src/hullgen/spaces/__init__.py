"""Spaces: each maps images to a pair of float matrices (train, test), one row per image."""
