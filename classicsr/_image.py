"""Image values and colour, in one place for every caller.

Every method, the evaluation protocol, training, multi-frame reconstruction,
the report and the demo convert images here:

* :func:`to_unit` / :func:`from_unit` -- any supported dtype to float64 on
  the [0, 1] scale and back (integers rounded half away from zero and
  saturated, as MATLAB's class conversion);
* :func:`split_luminance` / :func:`merge_luminance` -- a unit-scale image to
  its luminance (Y of MATLAB's ``rgb2ycbcr``) plus the rest (Cb, Cr, alpha),
  and back; :meth:`ColourRest.resized` upscales the rest by MATLAB bicubic,
  as the learning-based papers do;
* :func:`luminance` -- the Y channel of an image in its own dtype (rounded
  for integer images, as MATLAB's ``rgb2ycbcr`` on ``uint8``): what the
  evaluation protocol and the metrics compare;
* :func:`training_luminance` -- the float Y in [0, 1] that trainable models
  learn from, the same for the same picture given as uint8, uint16 or float;
* :func:`dihedral` / :func:`undo_dihedral` -- the 8 rotations and flips, for
  enhanced prediction and training-set augmentation.
"""

from dataclasses import dataclass

import numpy as np

from ._validation import INT_FULL_SCALE
from .color import rgb2ycbcr, to_dtype, ycbcr2rgb

__all__ = ["DIHEDRAL", "ColourRest", "dihedral", "enhanced_prediction", "full_scale", "from_unit", "luminance",
           "merge_luminance", "split_luminance", "to_unit", "training_luminance",
           "undo_dihedral"]

#: The eight transforms of the square's symmetry group (dihedral D4): ``k % 4``
#: quarter turns, then a left-right flip for ``k >= 4``; ``k = 0`` is the identity.
DIHEDRAL = 8


def dihedral(x, k):
    """Transform ``k`` of the :data:`DIHEDRAL` group applied to an image (a new array)."""
    y = np.rot90(x, k % 4, axes=(0, 1))
    return np.ascontiguousarray(y[:, ::-1] if k >= 4 else y)


def undo_dihedral(y, k):
    """The inverse of :func:`dihedral` with the same ``k`` (a view)."""
    if k >= 4:
        y = y[:, ::-1]
    return np.rot90(y, -(k % 4), axes=(0, 1))


def enhanced_prediction(x, run):
    """The mean of ``run`` over the 8 rotations and flips of ``x``, each result
    transformed back.

    Enhanced prediction of Timofte, Rothe & Van Gool (CVPR 2016, "Seven ways
    to improve example-based single image super resolution", way 6); used by
    ``upscale(..., ensemble=True)`` for every method and by IA.
    """
    total = None
    for k in range(DIHEDRAL):
        y = undo_dihedral(np.asarray(run(dihedral(x, k)), dtype=np.float64), k)
        total = y.copy() if total is None else total + y
    return total / DIHEDRAL


def full_scale(dtype):
    """The value of white for ``dtype``: 255, 65535, or 1.0 for float dtypes."""
    return INT_FULL_SCALE.get(np.dtype(dtype), 1.0)


def to_unit(img):
    """``img`` as a new float64 array on the [0, 1] scale (integers divided by white)."""
    return np.asarray(img, dtype=np.float64) / full_scale(img.dtype)


def from_unit(x, dtype, *, clip=False):
    """Float values on the [0, 1] scale back to ``dtype``.

    Integer dtypes are rounded half away from zero and saturated (MATLAB's
    class conversion); float dtypes are cast, and clipped to [0, 1] only
    when ``clip``.
    """
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        return (np.clip(x, 0.0, 1.0) if clip else x).astype(dtype)
    return to_dtype(x * full_scale(dtype), dtype)


def _is_colour(img):
    return img.ndim == 3 and img.shape[2] in (3, 4)


def luminance(img: np.ndarray) -> np.ndarray:
    """The luminance of an image, in its own dtype.

    RGB(A): the Y channel of MATLAB's ``rgb2ycbcr`` of the RGB channels
    (integer images: rounded half away from zero; alpha is ignored).
    Greyscale ``(H, W)`` or ``(H, W, 1)``: the image itself, as ``(H, W)``.
    """
    if _is_colour(img):
        return rgb2ycbcr(img[:, :, :3])[:, :, 0]
    return img.reshape(img.shape[:2])


def training_luminance(img):
    """Float64 luminance in [0, 1] of a training image of any supported dtype.

    The Y of MATLAB's ``rgb2ycbcr`` computed in double precision (not
    rounded), so that one picture stored as uint8, uint16 or float gives the
    same values to float precision. Greyscale images are used as they are:
    to train exactly as the papers' ``load_images.m`` (rounded 8-bit Y),
    pass the uint8 :func:`luminance` of each image.
    """
    return luminance(to_unit(img))


@dataclass
class ColourRest:
    """What :func:`split_luminance` takes out besides the luminance.

    Attributes
    ----------
    ndim : int
        2 for an ``(H, W)`` image, 3 for ``(H, W, C)``.
    channels : int
        C (1 for greyscale).
    planes : ndarray or None
        ``(H, W, k)`` float64 on the unit scale: Cb, Cr (RGB) and alpha
        last (RGBA); ``None`` for greyscale.
    """

    ndim: int
    channels: int
    planes: object = None

    def resized(self, shape):
        """The rest upscaled to ``shape`` (H, W) by MATLAB bicubic interpolation."""
        if self.planes is None:
            return self
        from .resize._imresize import resize_trusted

        planes = resize_trusted(self.planes, None, tuple(shape[:2]), "bicubic")
        return ColourRest(self.ndim, self.channels, planes)


def split_luminance(x):
    """Split a unit-scale float image into its luminance and the rest.

    Parameters
    ----------
    x : ndarray, float, shape (H, W) or (H, W, C), C in {1, 3, 4}

    Returns
    -------
    y : ndarray, float64, shape (H, W)
        Y of MATLAB's ``rgb2ycbcr`` (in [16/255, 235/255] for RGB in [0, 1]),
        or the grey image.
    rest : ColourRest
    """
    if not _is_colour(x):
        return (np.ascontiguousarray(x.reshape(x.shape[:2]), dtype=np.float64),
                ColourRest(x.ndim, 1))
    ycc = rgb2ycbcr(np.asarray(x[:, :, :3], dtype=np.float64))
    planes = ycc[:, :, 1:] if x.shape[2] == 3 else np.dstack([ycc[:, :, 1:], x[:, :, 3]])
    return np.ascontiguousarray(ycc[:, :, 0]), ColourRest(3, x.shape[2], planes)


def merge_luminance(y, rest):
    """Put a luminance image and a (resized) :class:`ColourRest` back together.

    Returns the unit-scale float64 image in the layout that was split
    (``(H, W)``, ``(H, W, 1)``, RGB or RGBA); RGB is not clipped.
    """
    if rest.planes is None:
        return y if rest.ndim == 2 else y[:, :, None]
    rgb = ycbcr2rgb(np.dstack([y, rest.planes[:, :, :2]]))
    return rgb if rest.channels == 3 else np.dstack([rgb, rest.planes[:, :, 2]])
