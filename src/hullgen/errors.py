"""Exceptions that carry a message meant for the person running the pipeline."""


class HullgenError(Exception):
    """Base class: the message names the file, key or value at fault."""


class ConfigError(HullgenError):
    """The configuration is invalid."""


class DataFormatError(HullgenError):
    """A data file is not in the format it claims to be (bad magic, truncated, ...)."""


class HashMismatchError(HullgenError):
    """A file's SHA-256 is not one of the pinned hashes."""


class UnsafeArchiveError(HullgenError):
    """An archive member would land outside the extraction folder."""
