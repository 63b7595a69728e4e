import re

from hullgen import config

from .conftest import REPO, SCHEMA


def test_readme_config_table_matches_the_schema():
    table = config.markdown_table(config.load_schema(SCHEMA))
    assert table in (REPO / "README.md").read_text(), "regenerate with `hullgen config-table`"


def test_readme_names_every_shipped_config():
    readme = (REPO / "README.md").read_text()
    for path in (REPO / "config").glob("*.yaml"):
        assert f"config/{path.name}" in readme or path.name == "config.yaml"


def test_readme_names_the_packaged_schema():
    readme = (REPO / "README.md").read_text()
    assert f"`{SCHEMA.relative_to(REPO)}`" in readme and SCHEMA.is_file()
    assert "workflow/schemas" not in readme


def test_every_test_the_readme_names_exists():
    """The bad-input tables name the test of each case: each must be a test that runs
    (`file.py::test`, or `::test` after a name from the same file, or a whole file)."""
    text = (REPO / "README.md").read_text()
    named = 0
    for line in text.splitlines():
        if not line.startswith("|"):
            continue
        current = None
        for ref in re.findall(r"`((?:test_\w+\.py)?(?:::\w+)?)`", line):
            file, _, name = ref.partition("::")
            current = file or current
            assert current, f"{ref!r} names no file: {line[:80]}"
            path = REPO / "tests" / current
            assert path.is_file(), f"README names {current}, which does not exist"
            if name:
                assert re.search(rf"^def {name}\(", path.read_text(), re.M), (
                    f"README names {current}::{name}, which does not exist"
                )
            named += 1
    assert named > 30  # the tables are there and were read
