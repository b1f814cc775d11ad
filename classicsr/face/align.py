"""Eye alignment: bring a face in a real photo to the frame of a face set.

The face methods need faces aligned as their training faces. Given the two
eye centres in a photo and where the eyes are in the training faces,
:func:`align_face` applies the similarity transform (rotation, uniform
scale, translation) that maps one pair onto the other and crops the
training faces' frame (scikit-image's ``SimilarityTransform`` and ``warp``).
"""

import numpy as np

from .._image import luminance, to_unit
from .._validation import check_image, check_int, check_real_array

__all__ = ["align_face"]


def _check_eyes(eyes, name):
    eyes = check_real_array(eyes, name, (2,))
    if eyes.shape != (2, 2):
        raise ValueError(f"{name} must be ((row, col) of the left eye, (row, col) of the right "
                         f"eye), shape (2, 2), got shape {eyes.shape}")
    if np.allclose(eyes[0], eyes[1]):
        raise ValueError(f"{name}: the two eye positions are the same point {eyes[0].tolist()}")
    return eyes.astype(np.float64)


def align_face(image, eyes, target_eyes, output_shape):
    """Crop an aligned greyscale face from a photo, given its two eye centres.

    Parameters
    ----------
    image : ndarray, shape (H, W) or (H, W, 3)
        The photo (any supported dtype); colour photos give the Y of MATLAB's
        ``rgb2ycbcr``.
    eyes : array-like, shape (2, 2)
        ``(row, col)`` of the left and the right eye in ``image`` (left and
        right as seen in the picture).
    target_eyes : array-like, shape (2, 2)
        ``(row, col)`` of the same eyes in the aligned frame (where the eyes
        are in the training faces, at the output's resolution).
    output_shape : tuple of int
        ``(rows, cols)`` of the aligned face: the model's LR size to
        hallucinate it directly, or its HR size to make an LR face with
        :func:`classicsr.face.degrade_face` afterwards.

    Returns
    -------
    ndarray, float64, shape ``output_shape``
        The aligned face on the 0-1 scale (pixels outside the photo are 0).
        When the face is made smaller, the photo is first smoothed with a
        Gaussian of ``sigma = (1 / zoom - 1) / 2`` pixels (as
        ``skimage.transform.rescale`` with ``anti_aliasing``).

    Examples
    --------
    >>> import numpy as np
    >>> from classicsr.face import align_face
    >>> photo = np.zeros((200, 200), np.uint8)
    >>> align_face(photo, [(80, 70), (80, 130)], [(12, 8), (12, 17)], (30, 25)).shape
    (30, 25)
    """
    from scipy import ndimage
    from skimage.transform import SimilarityTransform, warp

    image = check_image(image, "image", allow_alpha=False)
    eyes = _check_eyes(eyes, "eyes")
    target = _check_eyes(target_eyes, "target_eyes")
    if not isinstance(output_shape, (tuple, list)) or len(output_shape) != 2:
        raise TypeError(f"output_shape must be (rows, cols), got {output_shape!r}")
    shape = tuple(check_int(n, "output_shape", minimum=1) for n in output_shape)
    grey = np.asarray(luminance(to_unit(image)), dtype=np.float64)
    # output (x, y) -> photo (x, y); two distinct points fix a similarity exactly
    if hasattr(SimilarityTransform, "from_estimate"):  # scikit-image >= 0.26
        transform = SimilarityTransform.from_estimate(target[:, ::-1], eyes[:, ::-1])
    else:
        transform = SimilarityTransform()
        transform.estimate(target[:, ::-1], eyes[:, ::-1])
    zoom = 1.0 / transform.scale  # output pixels per photo pixel
    if zoom < 1:
        grey = ndimage.gaussian_filter(grey, (1.0 / zoom - 1.0) / 2.0, mode="nearest")
    return warp(grey, transform, output_shape=shape, order=3, mode="constant", cval=0.0,
                preserve_range=True)
