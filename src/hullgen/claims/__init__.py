"""The claims table: each claim of the paper quoted, its measure, its criterion (the constants
in :mod:`hullgen.claims.criteria`), its verdict (:mod:`hullgen.claims.verdict`), and the
report's front page."""
