"""Config files as Snakemake reads them: the YAML mapping of each file, errors naming the
file and line, and the files of one run merged in order (``--configfile A.yaml B.yaml``)."""

from __future__ import annotations

import copy
import os

import yaml

from hullgen.errors import ConfigError


def read_yaml(path: str | os.PathLike, what: str = "config file") -> dict:
    """The mapping at the top level of YAML file ``path``.

    Raises ConfigError naming the file (and line) for text that is not YAML or not a mapping;
    OSError (missing file, a folder, no permission) is left to the caller.
    """
    with open(path, encoding="utf-8") as handle:
        try:
            raw = yaml.safe_load(handle)
        except UnicodeDecodeError as err:
            raise ConfigError(f"{path}: {what} is not UTF-8 text ({err.reason})") from None
        except yaml.YAMLError as err:
            raise ConfigError(
                f"{path}{_yaml_where(err)}: {what} is not valid YAML: {_yaml_problem(err)}"
            ) from None
    if raw is None:
        # Snakemake refuses a config file with no keys ("must be given as JSON or YAML with
        # keys at top level"); {} is a mapping with none, and means every default.
        raise ConfigError(f"{path}: the {what} is empty; write {{}} for every default")
    if not isinstance(raw, dict):
        raise ConfigError(
            f"{path}: the top level of a {what} must be a mapping of keys, "
            f"got a {type(raw).__name__}"
        )
    return raw


def _yaml_where(err: yaml.YAMLError) -> str:
    mark = getattr(err, "problem_mark", None)
    if mark is not None:
        return f", line {mark.line + 1}, column {mark.column + 1}"
    if isinstance(err, yaml.reader.ReaderError):
        return f", character {err.position}"
    return ""


def _yaml_problem(err: yaml.YAMLError) -> str:
    if isinstance(err, yaml.MarkedYAMLError):
        problem = err.problem or "syntax error"
        return f"{problem} ({err.context})" if err.context else problem
    if isinstance(err, yaml.reader.ReaderError):
        return f"unacceptable character #x{err.character:04x}: {err.reason}"
    return str(err).splitlines()[0]


def merge(base: dict, overlay: dict) -> dict:
    """``overlay`` merged onto ``base`` as Snakemake merges config files (``--configfile A B``,
    snakemake.utils.update_config): a mapping merges key by key, anything else (a list, a
    value) replaces. Returns a new dict; neither argument changes.

    >>> merge({"dataset": {"name": "a", "verify": True}, "spaces": [1]},
    ...       {"dataset": {"name": "b"}, "spaces": [2]})
    {'dataset': {'name': 'b', 'verify': True}, 'spaces': [2]}
    """
    merged = copy.deepcopy(base)
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def read_merged(paths) -> dict:
    """The mappings of the YAML files ``paths`` (:func:`read_yaml`), merged in order as
    ``snakemake --configfile A.yaml B.yaml`` merges them (:func:`merge`)."""
    merged: dict = {}
    for path in paths:
        merged = merge(merged, read_yaml(path))
    return merged
