"""The hull stage: certified distances to the convex hull of the training set."""

import importlib

__all__ = ["HullDistance", "HullResult"]
_HOMES = {"HullDistance": "hullgen.hull.solver", "HullResult": "hullgen.hull.result"}


def __getattr__(name: str):
    # Lazy: reading hull tables (hullgen.hull.result) must not import torch and HiGHS.
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'hullgen.hull' has no attribute {name!r}")
