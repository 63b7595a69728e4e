import re

from hullgen import config

from .helpers.readme import doc_files
from .helpers.workflow import REPO, SCHEMA


def all_text() -> str:
    return "\n".join(path.read_text() for path in doc_files())


def test_the_configuration_page_is_the_schemas_table():
    table = config.markdown_table(config.load_schema(SCHEMA))
    page = (REPO / "docs" / "configuration.md").read_text()
    assert table in page, "regenerate with `hullgen config-table`"


def test_the_docs_name_every_shipped_config():
    text = all_text()
    for path in (REPO / "config").glob("*.yaml"):
        assert f"config/{path.name}" in text or path.name == "config.yaml"


def test_the_docs_name_the_packaged_schema():
    text = all_text()
    assert f"`{SCHEMA.relative_to(REPO)}`" in text and SCHEMA.is_file()
    assert "workflow/schemas" not in text


def test_the_readme_is_a_front_door_to_every_page():
    """The README stays short and links every page of the site, each of which exists."""
    readme = (REPO / "README.md").read_text()
    assert len(readme.splitlines()) < 250
    linked = set(re.findall(r"\]\((docs/[^)#]+\.md)\)", readme))
    pages = {str(p.relative_to(REPO)) for p in (REPO / "docs").rglob("*.md")}
    assert linked == pages - {"docs/index.md"}, sorted(pages ^ linked)


def test_every_test_the_docs_name_exists():
    """The bad-input tables name the test of each case: each must be a test that runs
    (`file.py::test`, or `::test` after a name from the same file, or a whole file)."""
    text = all_text()
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
            assert path.is_file(), f"the docs name {current}, which does not exist"
            if name:
                assert re.search(rf"^def {name}\(", path.read_text(), re.M), (
                    f"the docs name {current}::{name}, which does not exist"
                )
            named += 1
    assert named > 30  # the tables are there and were read
