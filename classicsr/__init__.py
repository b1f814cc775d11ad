"""classicsr: classical (non-deep) image super-resolution.

The public API is re-exported here. Importing the package is cheap: heavy
dependencies (Numba, SciPy, scikit-learn, scikit-image, OpenCV) are imported
by the functions that need them, and the built-in methods are registered on
the first use of the registry, so ``import classicsr`` triggers no JIT
compilation.
"""

__version__ = "0.1.0"

from . import _logging  # the classicsr logger (a NullHandler; see classicsr._logging)
from ._dispatch import upscale
from .color import rgb2ycbcr, ycbcr2rgb
from .degradation import degrade, modcrop
from .evaluation import evaluate
from .metrics import psnr, ssim
from .multiframe import upscale_frames
from .registry import available_methods, get_method, register_method
from .resize import imresize

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
