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
