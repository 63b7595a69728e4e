"""The MLP study (the paper's section 4): networks under and over their parameter count on
2-d data, measured inside and outside the training data's hull."""
