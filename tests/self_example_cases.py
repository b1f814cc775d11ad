"""Shared case of the self-example tests (SelfExSR, Glasner): a small astronaut crop."""

import numpy as np
from skimage import data

import classicsr


def small_case(scale):
    """``(hr, lr)``: a 96 x 96 crop of the astronaut (cropped to a multiple of ``scale``)
    and its MATLAB-bicubic downscale."""
    hr = classicsr.modcrop(np.ascontiguousarray(data.astronaut()[40:136, 180:276]), scale)
    return hr, classicsr.imresize(hr, 1.0 / scale)
