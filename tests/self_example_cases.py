"""Shared cases of the self-example tests (SelfExSR, Glasner): a small astronaut crop and
a call run on one Numba thread and on all of them."""

import numba
import numpy as np
from skimage import data

import classicsr


def one_thread_and_all(call):
    """``(call() on one Numba thread, call() on all of them)``."""
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = call()
    finally:
        numba.set_num_threads(threads)
    return one, call()


def small_case(scale):
    """``(hr, lr)``: a 96 x 96 crop of the astronaut (cropped to a multiple of ``scale``)
    and its MATLAB-bicubic downscale."""
    hr = classicsr.modcrop(np.ascontiguousarray(data.astronaut()[40:136, 180:276]), scale)
    return hr, classicsr.imresize(hr, 1.0 / scale)
