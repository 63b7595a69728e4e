"""The hull stage: certified distances to the convex hull of the training set."""

from hullgen.hull.result import HullResult
from hullgen.hull.solver import HullDistance

__all__ = ["HullDistance", "HullResult"]
