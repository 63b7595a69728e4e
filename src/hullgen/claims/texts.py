"""The words of the claims table: each claim's sentence from the paper, and what hullgen
measures for it with the criterion it applies (constants and reasons in
:mod:`hullgen.claims.criteria`).

Quotes are verbatim, with the paper's \\mathcal{H}^{tr} written H^tr and omitted parts marked
[...]. :mod:`hullgen.claims.table` builds the rows from them.
"""

from __future__ import annotations

from hullgen.claims import criteria as C

# (section, quote) of each claim judged on the data.
QUOTES = {
    "pixel-outside": (
        "2, pixel space",
        "For MNIST and CIFAR-10 datasets, we see that all testing images are outside their "
        "corresponding H^tr.",
    ),
    "pixel-normal": (
        "2, pixel space",
        "We also see that the distribution of distances to H^tr resemble a normal distribution "
        "for both datasets.",
    ),
    "directions": (
        "2, pixel space; takeaways",
        "Moreover, we see that the shortest direction that brings each testing image to the "
        "H^tr relates to important features in images. [...] directions to the convex hulls "
        "are usually significant in size, and they contain information related to the object "
        "of interest in images.",
    ),
    "not-small-noise": (
        "2, pixel space",
        "Overall, the distance of testing data to H^tr cannot be dismissed as a small noise.",
    ),
    "paper-numbers": (
        "2, pixel space",
        "For CIFAR-10, diameter of H^tr is 13,621 (measured by Frobenius norm in pixel space). "
        "On the other hand, the distance of farthest testing image from the H^tr is about "
        "3,500 (about 27% of the diameter).",
    ),
    "wavelet-outside": (
        "2, wavelet transformation",
        "When we convolve the images with Haar or Daubechies [6] wavelets (an operation "
        "analogous to convolutions performed by CNNs), the testing samples still remain "
        "outside the H^tr in the wavelet space.",
    ),
    "wavelet-subset-outside": (
        "2, wavelet transformation",
        "When we choose a small subset of wavelet coefficients for all images, still, the "
        "testing samples remain outside the H^tr [...]",
    ),
    "wavelet-subset-normal": (
        "2, wavelet transformation",
        "[...] and their distances still resemble a normal distribution.",
    ),
    "network": (
        "2, internal representations",
        "We consider a standard ResNet model [8] trained on the CIFAR-10 training set.",
    ),
    "prepool-outside": (
        "2, internal representations",
        "The internal layer of network, just before the last pooling layer, has 4,096 "
        "dimensions. In that space, testing samples are still outside the convex hull of "
        "training set.",
    ),
    "pooled-outside": (
        "2, internal representations",
        "In the 64-dimensional space, all testing samples are outside the H^tr [...]",
    ),
    "pooled-significant": (
        "2, internal representations",
        "[...] while their distances are significant compared to size of H^tr [...]",
    ),
    "pooled-normal": (
        "2, internal representations",
        "[...] and they resemble a normal distribution.",
    ),
    "no-low-dim-view": (
        "2, internal representations",
        "It may be speculated that there is a low dimensional manifold, learned by deep "
        "networks, where all (or most) testing samples are included in the convex hull of "
        "training set [...]. We observed that there is no trace of such manifold even in the "
        "internal representations of a trained ResNet.",
    ),
    "random-farther": (
        "2, random data",
        "If we consider random points in the same high-dimensional domain of CIFAR-10, (...), "
        "the testing data will be outside the H^tr and much farther away.",
    ),
    "similar-training-images": (
        "2, random data",
        "That is because the relation-ship between our training and testing sets are not "
        "random and for each testing image, there are a few similar training images, much "
        "closer than a random point would be.",
    ),
    "hull-surface": (
        "2, random data",
        "For the non-random data, we investigate which training images form the surface of "
        "H^tr closest to each testing image.",
    ),
}

OUTSIDE_QUANTITY = (
    "test points certified outside the training hull (certified lower bound > 0), of all test"
    " points"
)
OUTSIDE_CRITERION = (
    "all of them; any point inside gives no, a point the solver left not_converged (and none"
    " inside) gives undecided"
)
SHAPE_QUANTITY = (
    "shape of the distances of the points outside: TL-skewness tau3 and TL-kurtosis tau4"
    " (trimmed L-moment ratios: bounded, and blind to the one most extreme distance at each"
    " end); the QQ correlation r, moment skewness and excess kurtosis and D'Agostino's p for"
    " information"
)
SHAPE_CRITERION = (
    f"|tau3| <= {C.TL_SKEWNESS_MAX:.3f} and {C.TL_KURTOSIS_MIN:.3f} <= tau4 <="
    f" {C.TL_KURTOSIS_MAX:.3f}: halfway from the normal's values (0, {C.NORMAL_TL_KURTOSIS:.3f})"
    f" to the exponential's skewness ({C.EXPONENTIAL_TL_SKEWNESS:.3f}) and to the uniform's"
    f" and the Laplace's kurtosis ({C.UNIFORM_TL_KURTOSIS:.0f}, {C.LAPLACE_TL_KURTOSIS:.3f});"
    f" an effect size, not a test, so n does not decide it; at least {C.SHAPE_MIN_N} distances."
    f" partly: a second mode beside the bulk (a peak of the kernel density, bandwidth"
    f" {C.MODE_BANDWIDTH:g} robust sds, that the density dips {C.MODE_PROMINENCE_MIN:.0%} below"
    f" towards the main peak and that holds >= {C.MODE_MASS_MIN:.0%} of the distances); no if"
    f" the main mode holds less than {C.BULK_MASS_MIN:.0%}"
)
DIRECTIONS_QUANTITY = (
    "whether the direction x - p of each test point outside falls on its own image's"
    " structure: the share of its energy (x - p)^2 on the"
    f" {C.STRUCTURE_SHARE:.0%} of the image's pixels with the most detail (|x - blur(x)|,"
    f" Gaussian blur of {C.STRUCTURE_SIGMA:g} pixel) against the share on another test image's"
    " most detailed pixels (a structure-blind pairing that keeps the dataset's layout),"
    " summarised as A = P(own share > other share) (Vargha and Delaney; 0.5 when blind to the"
    " image); control: the random points' directions against the same test images. Context:"
    " a linear class probe (ridge, 5-fold) on the unit directions and on the unit test"
    " images themselves, as chance-corrected balanced accuracy"
)
DIRECTIONS_CRITERION = (
    f"A >= {C.STRUCTURE_EFFECT_MIN:g} (Vargha and Delaney's 'large' effect) and the random"
    f" control's A below {C.STRUCTURE_EFFECT_MIN:g}; the class probe is context, not judged (a"
    " linear probe on raw pixels measures how linearly separable the classes are as much as"
    " what the directions carry)"
)
SIMILAR_QUANTITY = (
    f"the median distance from a random point (uniform in the pixel domain) to its nearest"
    f" training image, over the median distance from a test image to its {C.A_FEW}th nearest"
    " training image ('a few'), pixel space; test images: a seeded sample of up to"
    " 2,000 of those outside"
)
SIMILAR_CRITERION = (
    f"ratio >= {C.CLOSER_RATIO_MIN:g} ('much closer', as 'much farther' for the random points:"
    f" even the {C.A_FEW}th nearest training image at least twice as close as a random point's"
    " nearest)"
)
SURFACE_QUANTITY = (
    "for each test point outside, the training images that form its nearest hull point p"
    " (weights from the hull stage): how many, the share of p's weight on the test image's own"
    " class against that class's share of the training set, and how near those training"
    " images are to the test image (their nearest-neighbour rank among all training images;"
    " a seeded sample of up to 2,000 test images)"
)
NOISE_QUANTITY = (
    "median distance of the points outside over the median distance between two training"
    " points (the hull's typical size); the median and farthest distance as shares of the"
    " diameter, and the median distance over the nearest-neighbour distance, for information"
)
NOISE_CRITERION = (
    f"median >= {C.NOISE_SHARE_MIN:.0%} of the median training pair distance (noise one could"
    " dismiss is an order of magnitude below the differences between training images; the"
    " diameter and the farthest point are single extreme pairs and points)"
)


# The spaces a claim reads: (how the table names them, the config entry that makes one).
PIXEL = ("pixel space", "kind: pixel")
WAVELET_ALL = ("wavelet spaces with all coefficients", "kind: wavelet, select: all")
WAVELET_SUBSET = (
    "wavelet spaces of a coefficient subset",
    "kind: wavelet, select: approx or {top: k}",
)
PREPOOL = ("the ResNet's map before global pooling", "kind: embedding, layer: prepool")
POOLED = ("the ResNet's pooled vector", "kind: embedding, layer: pooled")
