"""classicsr: classical (non-deep) image super-resolution.

The public API is re-exported here. Importing the package is cheap: heavy
dependencies (Numba, SciPy, scikit-image) are imported lazily by the functions
that need them, so ``import classicsr`` triggers no JIT compilation.
"""

__version__ = "0.1.0"

from .color import rgb2ycbcr, ycbcr2rgb
from .degrade import degrade, modcrop
from .evaluate import evaluate
from .metrics import psnr, ssim
from .registry import available_methods, get_method, register_method
from .resize import imresize
from .upscale import upscale
from . import methods as _methods  # noqa: F401  (fills the registry)
from .multiframe import upscale_frames  # also registers the multi-frame methods

__all__ = [
    "available_methods",
    "degrade",
    "evaluate",
    "get_method",
    "imresize",
    "modcrop",
    "psnr",
    "register_method",
    "rgb2ycbcr",
    "ssim",
    "upscale",
    "upscale_frames",
    "ycbcr2rgb",
]
