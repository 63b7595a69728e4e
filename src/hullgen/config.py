"""Configuration: validated against the JSON schema, defaults filled in, semantics checked.

Errors name the offending key (as a dotted path, e.g. ``spaces[1].wavelet``) and value.
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import jsonschema
import yaml

from hullgen.config_files import read_merged, read_yaml
from hullgen.data import arrays, folder, registry
from hullgen.errors import ConfigError
from hullgen.experiments.legendre import options as legendre_options
from hullgen.experiments.mlp import options as mlp_options
from hullgen.options import FindingsOptions, HullOptions, TrainOptions
from hullgen.spaces import wavelet as wv

# Keys that apply to each kind of space, beyond name and kind.
SPACE_KEYS = {
    "pixel": (),
    "wavelet": ("wavelet", "level", "mode", "select"),
    "random": ("seed", "points"),
    "embedding": ("layer",),
    "features": ("units",),
}
# The space kinds each dataset kind can have: arrays are feature rows, not images.
IMAGE_KINDS = ("pixel", "wavelet", "random", "embedding")
KINDS_OF_SOURCE = {
    "known": IMAGE_KINDS,
    "image-folder": IMAGE_KINDS,
    "arrays": ("features", "random"),
}


SCHEMA_RESOURCE = "config.schema.yaml"


def load_schema(path: str | os.PathLike | None = None) -> dict:
    """The config's JSON schema: the one shipped with the package, or the file ``path``."""
    if path is None:
        text = resources.files("hullgen").joinpath(SCHEMA_RESOURCE).read_text(encoding="utf-8")
        return yaml.safe_load(text)
    return read_yaml(path, "schema file")


def _key_path(parts) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "<top level>"


def _as_list(value) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _describe(error: jsonschema.ValidationError) -> str:
    where = _key_path(error.absolute_path)
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(allowed))
        names = ", ".join(f"'{_key_path([*error.absolute_path, name])}'" for name in extra)
        hint = (
            "; threads per job are set per rule in the profile (set-threads in "
            "profiles/default/config.yaml or profiles/slurm/config.yaml)"
            if "threads" in extra
            else ""
        )
        return f"unknown config key {names} (allowed here: {', '.join(allowed)}){hint}"
    if error.validator == "type" and "x-required-for" in error.schema:
        return f"config key '{where}' is required for dataset.kind {error.schema['x-required-for']}"
    if error.validator == "type" and "x-only-for" in error.schema:
        return f"config key '{where}': applies to {error.schema['x-only-for']} only; remove it"
    if error.validator == "not" and error.schema.get("x-own-name"):
        return (
            f"config key '{where}': {error.instance!r} is a known dataset's name; give your own "
            f"data a name of its own (its results go to results/<name>/)"
        )
    if error.validator == "type":
        return (
            f"config key '{where}': value {error.instance!r} has the wrong type "
            f"(expected {' or '.join(_as_list(error.validator_value))})"
            + _type_hint(error.instance, _as_list(error.validator_value))
        )
    if error.validator == "enum":
        return (
            f"config key '{where}': value {error.instance!r} is not one of "
            f"{', '.join(map(str, error.validator_value))}"
        )
    if error.validator == "oneOf" and where.endswith("select"):
        return (
            f"config key '{where}': value {error.instance!r} is not a coefficient selection "
            f"(all, approx, or {{top: k}} with k >= 1)"
        )
    return f"config key '{where}': {error.message}"


def _type_hint(value, expected: list[str]) -> str:
    """How to write ``value`` so that it has one of the ``expected`` types, where that is a
    matter of spelling."""
    if "integer" in expected and isinstance(value, float) and value.is_integer():
        return f"; write {int(value)}"
    if {"number", "integer"} & set(expected) and isinstance(value, str):
        # YAML 1.1 reads 1e-6 as text: a float needs a dot before its exponent.
        spelled = re.fullmatch(r"([+-]?[0-9]+)([eE][+-]?[0-9]+)", value.strip())
        if spelled:
            return f"; YAML reads {value!r} as text: write {spelled[1]}.0{spelled[2]}"
    return ""


def _integer(checker, instance) -> bool:
    return isinstance(instance, int) and not isinstance(instance, bool)


# JSON Schema counts 2.0 as an integer, and Python does not: a YAML 2.0 at an integer key
# passed validation and failed in a job (range(2.0)). Integers are ints here.
_Validator = jsonschema.validators.extend(
    jsonschema.Draft202012Validator,
    type_checker=jsonschema.Draft202012Validator.TYPE_CHECKER.redefine("integer", _integer),
)


def _check_keys(node, parts: tuple = ()) -> None:
    """Every key of every mapping is text (YAML reads ``0:`` or ``1.5:`` as a number): the
    schema names keys as text, and a number among them cannot be compared with them."""
    if isinstance(node, dict):
        for key, value in node.items():
            if not isinstance(key, str):
                raise ConfigError(
                    f"invalid configuration:\n  config key {key!r} in "
                    f"'{_key_path(parts)}': keys must be text (write it in quotes if meant)"
                )
            _check_keys(value, (*parts, key))
    elif isinstance(node, list):
        for i, item in enumerate(node):
            _check_keys(item, (*parts, i))


def _fill_defaults(instance: dict, schema: dict) -> None:
    for key, sub in schema.get("properties", {}).items():
        if key not in instance and "default" in sub:
            instance[key] = copy.deepcopy(sub["default"])
        if isinstance(instance.get(key), dict) and sub.get("type") == "object":
            _fill_defaults(instance[key], sub)


def validate(config: dict, schema: dict) -> dict:
    """Return a validated copy of ``config`` with defaults filled in, or raise ConfigError
    (DataFormatError when an image folder's first image, which sets the size the wavelet
    checks need, cannot be read)."""
    config = copy.deepcopy(dict(config or {}))
    dataset = config.get("dataset")
    if "spaces" not in config and isinstance(dataset, dict) and dataset.get("kind") == "arrays":
        # Arrays have no pixels: their default spaces are the rows as given and the baseline.
        config["spaces"] = [
            {"name": "features", "kind": "features"},
            {"name": "random", "kind": "random"},
        ]
    _check_keys(config)
    _fill_defaults(config, schema)
    validator = _Validator(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: list(map(str, e.path)))
    if errors:
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(map(_describe, errors)))
    item_schema = schema["properties"]["spaces"]["items"]["properties"]
    for space in config["spaces"]:
        for key in SPACE_KEYS[space["kind"]]:
            space.setdefault(key, copy.deepcopy(item_schema[key]["default"]))
    regime_schema = schema["properties"]["experiments"]["properties"]["mlp"]["properties"]
    for regime in config["experiments"]["mlp"]["regimes"]:
        _fill_defaults(regime, regime_schema["regimes"]["items"])
    _check_semantics(config)
    # One key order whatever the YAML's: Snakemake compares params by their text, so a
    # reordered but equal space must not look changed.
    config["spaces"] = [
        {key: space[key] for key in ("name", "kind", *SPACE_KEYS[space["kind"]])}
        for space in config["spaces"]
    ]
    return config


def _check_semantics(config: dict) -> None:
    problems = []
    source_kind = config["dataset"]["kind"]
    image_shape, size = _image_shape(config["dataset"])
    seen = set()
    for i, space in enumerate(config["spaces"]):
        where = f"spaces[{i}]"
        name, kind = space["name"], space["kind"]
        if name in seen:
            problems.append(f"config key '{where}.name': space name {name!r} is used twice")
        seen.add(name)
        extra = sorted(set(space) - {"name", "kind", *SPACE_KEYS[kind]})
        if extra:
            problems.append(
                f"config key '{where}.{extra[0]}': does not apply to spaces of kind {kind} "
                f"(their keys: {', '.join(('name', 'kind', *SPACE_KEYS[kind]))})"
            )
        if kind not in KINDS_OF_SOURCE[source_kind]:
            hint = (
                "arrays are feature rows, not images: use kind features (the rows as given)"
                if source_kind == "arrays"
                else "kind features is the rows of dataset.kind arrays; images have pixel spaces"
            )
            problems.append(
                f"config key '{where}.kind': {kind} does not apply to dataset.kind "
                f"{source_kind} ({hint})"
            )
            continue
        if kind != "wavelet":
            continue
        try:
            wv.check_wavelet(space["wavelet"])
        except ValueError as err:
            problems.append(f"config key '{where}.wavelet': {err}")
            continue
        deepest = wv.max_level(image_shape, space["wavelet"])
        if deepest < 1:
            problems.append(
                f"config key '{where}.wavelet': {space['wavelet']}'s filter is too long for "
                f"{size}; choose a shorter wavelet (e.g. haar)"
            )
            continue
        if space["level"] > deepest:
            problems.append(
                f"config key '{where}.level': level {space['level']} is too deep for "
                f"{space['wavelet']} on {size} (at most {deepest})"
            )
            continue
        select = space["select"]
        if isinstance(select, dict):
            transform = wv.WaveletTransform(space["wavelet"], space["level"], space["mode"])
            total = wv.n_coefficients(image_shape, transform)["all"]
            if select["top"] > total:
                problems.append(
                    f"config key '{where}.select.top': {select['top']} exceeds the {total} "
                    f"coefficients of this transform on {size}"
                )
    problems += _check_train(config)
    problems += _check_experiments(config["experiments"])
    # The data's own coordinates: pixels of images, the rows of arrays.
    own = [space["name"] for space in config["spaces"] if space["kind"] in ("pixel", "features")]
    labelled = source_kind != "arrays" or arrays.has_labels(config["dataset"])
    for key in ("pca_space", "class_hull_space"):
        name = config["findings"][key]
        if name == "auto":
            config["findings"][key] = own[0] if own and (labelled or key == "pca_space") else None
        elif name is not None and key == "class_hull_space" and not labelled:
            problems.append(
                f"config key 'findings.{key}': the arrays have no labels, so there are no "
                f"classes to take hulls of; set it to null or auto"
            )
        elif name is not None and name not in seen:
            problems.append(
                f"config key 'findings.{key}': {name!r} is not a configured space "
                f"(spaces: {', '.join(sorted(seen))}; null skips it)"
            )
    data_dir = config["dataset"]["data_dir"]
    # The schema refuses data_dir for the user's own data.
    if data_dir is not None and not registry.get(config["dataset"]["name"]).files:
        problems.append(
            f"config key 'dataset.data_dir': {config['dataset']['name']} ships with "
            f"scikit-learn and has no raw files; remove the key"
        )
    elif data_dir is not None and not Path(data_dir).is_dir():
        problems.append(f"config key 'dataset.data_dir': folder {data_dir!r} does not exist")
    if problems:
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(problems))


def _image_shape(dataset: dict) -> tuple[tuple[int, ...] | None, str]:
    """The images' shape (None for arrays) and how to name it in messages."""
    if dataset["kind"] == "arrays":
        return None, "arrays"
    if dataset["kind"] == "known":
        spec = registry.get(dataset["name"])
        shape = spec.image_shape
        return shape, f"{spec.name}'s {shape[0]}x{shape[1]} images"
    # The first image sets the size; the whole folder is scanned (and every fault in its
    # layout named) where the workflow reads it, once. A fault is the data's, not the
    # config's (DataFormatError: exit status 2 in check-config, as for any data error).
    first = folder.first_image(dataset["path"])
    if first is None:
        folder.scan(dataset["path"])  # raises, naming what is wrong
    shape, _mode = folder.image_layout(first)
    return shape, f"the {shape[1]}x{shape[0]} images of {dataset['path']}"


def _check_train(config: dict) -> list[str]:
    train = config["train"]
    problems = []
    arrays = config["dataset"]["kind"] == "arrays"
    if train["enabled"] == "auto":
        train["enabled"] = not arrays
    elif train["enabled"] and arrays:
        problems.append(
            "config key 'train.enabled': dataset.kind arrays has feature rows, not images, so "
            "there is no network to train; set it to false or auto"
        )
    if (train["depth"] - 2) % 6:
        problems.append(
            f"config key 'train.depth': {train['depth']} is not of the form 6n+2 "
            f"(20, 32, 44, 56, 110)"
        )
    if not train["enabled"]:
        for i, space in enumerate(config["spaces"]):
            if space["kind"] == "embedding":
                problems.append(
                    f"config key 'spaces[{i}].kind': embedding space {space['name']!r} needs "
                    f"the trained network, but train.enabled is false"
                )
    return problems


def _check_experiments(experiments: dict) -> list[str]:
    problems = []
    try:
        legendre_options.LegendreOptions.from_mapping(experiments["legendre"]).check()
    except ValueError as err:
        problems.append(f"config key {err}")
    problems += mlp_options.MlpOptions.from_mapping(experiments["mlp"]).problems()
    return problems


@dataclass(frozen=True)
class RunOptions:
    """Every section a stage computes with, as its type (see :mod:`hullgen.options`)."""

    train: TrainOptions
    hull: HullOptions
    findings: FindingsOptions
    legendre: legendre_options.LegendreOptions
    mlp: mlp_options.MlpOptions


def options(config: dict) -> RunOptions:
    """The validated ``config``'s sections as frozen dataclasses, built once: the code below
    reads attributes, not keys. Whether a stage runs at all (``enabled``) stays in the
    config."""
    experiments = config["experiments"]
    return RunOptions(
        train=TrainOptions.from_mapping(config["train"]),
        hull=HullOptions.from_mapping(config["hull"]),
        findings=FindingsOptions.from_mapping(config["findings"]),
        legendre=legendre_options.LegendreOptions.from_mapping(experiments["legendre"]),
        mlp=mlp_options.MlpOptions.from_mapping(experiments["mlp"]),
    )


def load(
    paths: str | os.PathLike | Sequence[str | os.PathLike],
    schema_path: str | os.PathLike | None = None,
) -> dict:
    """Read the YAML config file(s) ``paths``, merged in order as Snakemake merges them
    (:func:`hullgen.config_files.read_merged`), and validate the result (against the packaged
    schema by default).

    Errors raise ConfigError naming the file(s); OSError (missing file, ...) propagates.
    """
    paths = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
    schema = load_schema(schema_path)
    try:
        return validate(read_merged(paths), schema)
    except ConfigError as err:
        raise ConfigError(f"{' + '.join(map(str, paths))}: {err}") from None


def _walk_keys(node: dict, prefix: str = ""):
    for key, sub in node.get("properties", {}).items():
        path = f"{prefix}{key}"
        yield path, sub, key in node.get("required", ())
        yield from _walk_keys(sub, f"{path}.")
        if "items" in sub:
            yield from _walk_keys(sub["items"], f"{path}[].")


def markdown_table(schema: dict) -> str:
    """The config keys as a Markdown table (key, default, description), for the README."""

    def cell(value) -> str:
        text = yaml.safe_dump(value, default_flow_style=True, width=1000).strip()
        return text.removesuffix("\n...").removesuffix(" ...").replace("|", "\\|")

    rows = ["| key | default | description |", "| --- | --- | --- |"]
    for path, sub, required in _walk_keys(schema):
        default = "(required)" if required else f"`{cell(sub['default'])}`"
        description = " ".join(sub.get("description", "").split()).replace("|", "\\|")
        rows.append(f"| `{path}` | {default} | {description} |")
    return "\n".join(rows) + "\n"
