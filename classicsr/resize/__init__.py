"""MATLAB-compatible resampling (``imresize``)."""

from ._imresize import RESIZE_METHODS, imresize

__all__ = ["RESIZE_METHODS", "imresize"]
