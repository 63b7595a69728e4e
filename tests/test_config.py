import pytest
import yaml

from hullgen import config
from hullgen.errors import ConfigError

from .helpers.workflow import REPO, SCHEMA


@pytest.fixture(scope="module")
def schema():
    return config.load_schema(SCHEMA)


def _walk(node, path="config", required=False):
    yield path, node, required
    for key, sub in node.get("properties", {}).items():
        yield from _walk(sub, f"{path}.{key}", key in node.get("required", ()))
    if "items" in node:
        yield from _walk(node["items"], f"{path}[]")


def test_every_key_has_a_description_and_a_default(schema):
    for path, node, required in _walk(schema):
        if path == "config":
            continue
        assert node.get("description"), f"{path} has no description"
        # A list entry is not a key, and a space's name and kind must be given.
        if not path.endswith("[]") and not required:
            assert "default" in node, f"{path} has no default"


def test_empty_config_gets_every_default(schema):
    cfg = config.validate({}, schema)
    assert cfg["dataset"] == {
        "kind": "known",
        "name": "digits",
        "path": None,
        "train": None,
        "test": None,
        "train_labels": None,
        "test_labels": None,
        "data_dir": None,
        "verify": True,
        "cache_dir": "resources",
        "test_fraction": 0.25,
        "split_seed": 0,
    }
    assert cfg["subset"] == {"n_train": None, "n_test": None, "seed": 0}
    assert cfg["spaces"] == [{"name": "pixel", "kind": "pixel"}]


def test_space_defaults_depend_on_kind(schema):
    cfg = config.validate(
        {"spaces": [{"name": "w", "kind": "wavelet"}, {"name": "r", "kind": "random"}]}, schema
    )
    assert cfg["spaces"][0] == {
        "name": "w",
        "kind": "wavelet",
        "wavelet": "haar",
        "level": 1,
        "mode": "periodization",
        "select": "all",
    }
    assert cfg["spaces"][1] == {"name": "r", "kind": "random", "seed": 0, "points": 2000}
    cfg = config.validate({"spaces": [{"name": "e", "kind": "embedding"}]}, schema)
    assert cfg["spaces"][0] == {"name": "e", "kind": "embedding", "layer": "pooled"}
    assert cfg["train"]["depth"] == 20 and cfg["train"]["device"] == "auto"


@pytest.mark.parametrize("path", sorted((REPO / "config").glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_configs_are_valid(path):
    config.load(path, SCHEMA)


@pytest.mark.parametrize(
    ("cfg", "needle"),
    [
        ({"datset": {}}, "'datset'"),
        ({"dataset": {"verfy": True}}, "'dataset.verfy'"),
        ({"spaces": [{"name": "p", "kind": "pixel", "levle": 1}]}, "'spaces[0].levle'"),
        ({"subset": {"n_train": "100"}}, "'subset.n_train'"),
        ({"dataset": {"verify": "yes"}}, "'dataset.verify'"),
        ({"dataset": {"name": "imagenet"}}, "'imagenet'"),
        ({"spaces": [{"name": "w", "kind": "wavelet", "wavelet": "daub4"}]}, "'daub4'"),
        ({"spaces": [{"name": "w", "kind": "wavelet", "level": 9}]}, "'spaces[0].level'"),
        ({"spaces": [{"name": "w", "kind": "wavelet", "select": "most"}]}, "'spaces[0].select'"),
        ({"spaces": [{"name": "w", "kind": "wavelet", "select": {"top": 65}}]}, "65"),
        ({"spaces": [{"name": "p", "kind": "pixel"}, {"name": "p", "kind": "random"}]}, "twice"),
        ({"spaces": [{"name": "p", "kind": "pixel", "seed": 1}]}, "'spaces[0].seed'"),
        ({"spaces": [{"name": "a/b", "kind": "pixel"}]}, "'spaces[0].name'"),
        # YAML reads `0:` as a number (found by tests/test_properties.py: a TypeError).
        ({"dataset": {"": None, 0: None}}, "config key 0 in 'dataset': keys must be text"),
        # Whole-number floats at integer keys (JSON Schema counts 2.0 an integer, range() not).
        (
            {"hull": {"shards": 2.0}},
            "'hull.shards': value 2.0 has the wrong type (expected integer); write 2",
        ),
        ({"subset": {"n_train": 10.0}}, "write 10"),
        (
            {"spaces": [{"name": "w", "kind": "wavelet", "level": 1.0, "select": {"top": 4.0}}]},
            "'spaces[0].level': value 1.0",
        ),
        # YAML 1.1 reads 1e-6 as text.
        ({"hull": {"gap": "1e-6"}}, "YAML reads '1e-6' as text: write 1.0e-6"),
        # A name becomes a folder: a final newline ($ alone matches before it) is refused.
        ({"spaces": [{"name": "feat\n", "kind": "pixel"}]}, "'spaces[0].name'"),
        ({"dataset": {"kind": "arrays", "name": "mine\n"}}, "'dataset.name'"),
        ({"experiments": {"mlp": {"regimes": [{"name": "a\n"}]}}}, "regimes[0].name'"),
        ({"dataset": {"name": "mnist", "data_dir": "/no/such/folder"}}, "/no/such/folder"),
        ({"train": {"depth": 21}}, "'train.depth'"),
        ({"train": {"epcohs": 3}}, "'train.epcohs'"),
        ({"train": {"device": "gpu"}}, "'train.device'"),
        ({"train": {"augment": "yes"}}, "'train.augment'"),
        ({"train": {"milestones": [0.5, 1.5]}}, "'train.milestones[1]'"),
        ({"train": {"lr": 0}}, "'train.lr'"),
        ({"spaces": [{"name": "e", "kind": "embedding", "layer": "conv1"}]}, "'conv1'"),
        ({"spaces": [{"name": "e", "kind": "embedding", "seed": 1}]}, "'spaces[0].seed'"),
        (
            {"train": {"enabled": False}, "spaces": [{"name": "e", "kind": "embedding"}]},
            "train.enabled is false",
        ),
        ({"experiments": {"legendre": {"test_interval": [-0.5, 1.5]}}}, "test_interval'"),
        ({"experiments": {"legendre": {"gap": 0.5}}}, "margin < gap < spread"),
        ({"experiments": {"legendre": {"regimes": ["ridge"]}}}, "'ridge'"),
        ({"experiments": {"mlp": {"dataset": "circles"}}}, "'circles'"),
        ({"experiments": {"mlp": {"regimes": [{"name": "a"}, {"name": "a"}]}}}, "twice"),
        ({"experiments": {"mlp": {"dataset": "spirals"}}}, "use nearest"),
        ({"experiments": {"mlp": {"regimes": [{"name": "a", "optimiser": "sgd"}]}}}, "optimiser"),
    ],
)
def test_bad_config_names_key_or_value(schema, cfg, needle):
    with pytest.raises(ConfigError) as err:
        config.validate(cfg, schema)
    assert needle in str(err.value)


def test_load_names_the_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({"dataset": {"nmae": "mnist"}}))
    with pytest.raises(ConfigError, match=r"bad\.yaml"):
        config.load(path, SCHEMA)


def test_findings_spaces_default_to_the_first_pixel_space(schema):
    spaces = [{"name": "w", "kind": "wavelet"}, {"name": "px", "kind": "pixel"}]
    cfg = config.validate({"spaces": spaces}, schema)
    assert cfg["findings"]["pca_space"] == "px" and cfg["findings"]["class_hull_space"] == "px"
    cfg = config.validate({"spaces": spaces[:1]}, schema)
    assert cfg["findings"]["pca_space"] is None
    with pytest.raises(ConfigError, match=r"findings\.pca_space"):
        config.validate({"spaces": spaces, "findings": {"pca_space": "nope"}}, schema)


def test_the_packaged_schema_is_the_default(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert config.load_schema() == config.load_schema(SCHEMA)
    path = tmp_path / "c.yaml"
    path.write_text("dataset: {name: digits}\n")
    assert config.load(path)["dataset"]["name"] == "digits"


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("a: 1\nb: c: d\n", r"c\.yaml, line 2, column 5: config file is not valid YAML"),
        ("- 1\n- 2\n", r"c\.yaml: the top level .* mapping of keys, got a list"),
        ("just text\n", r"c\.yaml: the top level .* got a str"),
    ],
)
def test_load_names_the_file_of_bad_yaml(tmp_path, text, needle):
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=needle):
        config.load(path)


def test_an_empty_config_file_is_refused_and_braces_mean_all_defaults(tmp_path):
    """Snakemake refuses a config file with no keys; {} is the config of every default."""
    path = tmp_path / "c.yaml"
    path.write_text("")
    with pytest.raises(ConfigError, match=r"c\.yaml: the config file is empty; write \{\}"):
        config.load(path)
    path.write_text("{}\n")
    default = config.load_schema()["properties"]["dataset"]["properties"]["name"]["default"]
    assert config.load(path)["dataset"]["name"] == default


def test_each_options_type_has_a_field_per_key_of_its_section():
    """hullgen.options' types keep step with the schema: a key added to a section must be a
    field of its type (or from_mapping refuses the section), and no field is left over."""
    import dataclasses

    from hullgen.experiments.legendre.options import LegendreOptions
    from hullgen.experiments.mlp.options import MlpOptions, MlpRegime
    from hullgen.options import FindingsOptions, HullOptions, TrainOptions

    schema = config.load_schema()
    studies = schema["properties"]["experiments"]["properties"]
    sections = {
        TrainOptions: (schema["properties"]["train"], lambda c: c["train"]),
        HullOptions: (schema["properties"]["hull"], lambda c: c["hull"]),
        FindingsOptions: (schema["properties"]["findings"], lambda c: c["findings"]),
        LegendreOptions: (studies["legendre"], lambda c: c["experiments"]["legendre"]),
        MlpOptions: (studies["mlp"], lambda c: c["experiments"]["mlp"]),
        MlpRegime: (studies["mlp"]["properties"]["regimes"]["items"],
                    lambda c: c["experiments"]["mlp"]["regimes"][0]),
    }  # fmt: skip
    for kind, (section_schema, section_of) in sections.items():
        keys = set(section_schema["properties"]) - set(kind.SWITCHES)
        assert {f.name for f in dataclasses.fields(kind)} == keys, kind
        validated = section_of(config.validate({}, schema))
        assert kind.from_mapping(validated).as_dict() == {
            k: v for k, v in validated.items() if k not in kind.SWITCHES
        }
        with pytest.raises(ValueError, match="unknown \\['typo'\\]"):
            kind.from_mapping({**validated, "typo": 1})


def test_the_config_becomes_its_options_once():
    """hullgen.config.options: every section a stage computes with, as its type, from the
    validated config; a changed value shows in its attribute."""
    validated = config.validate(
        {"hull": {"gap": 1.0e-5}, "experiments": {"mlp": {"widths": [3, 5]}}}, config.load_schema()
    )
    options = config.options(validated)
    assert options.hull.gap == 1.0e-5 and options.hull.solver_arguments()["gap"] == 1.0e-5
    assert options.mlp.widths == (3, 5) and options.mlp.regimes[0].name == "sgd"
    assert options.train.depth == validated["train"]["depth"]
    assert options.legendre.terms == tuple(validated["experiments"]["legendre"]["terms"])
    assert options.findings.pca_space == validated["findings"]["pca_space"]
