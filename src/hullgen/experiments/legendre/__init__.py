"""The Legendre-polynomial study (the paper's section 3): a decision boundary fitted by linear
programming, measured inside and outside the training interval."""
