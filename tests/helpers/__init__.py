"""Code the tests share: test modules import from here, never from one another or from
conftest (which holds the fixtures and the hooks only)."""
