"""The paper's two model studies: a Legendre-polynomial decision boundary, and MLPs under and
over their parameter count, each measured inside and outside the training data's hull."""
