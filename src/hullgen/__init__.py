"""hullgen: certified distances of test data to the convex hull of the training data."""

__version__ = "0.1.0"
