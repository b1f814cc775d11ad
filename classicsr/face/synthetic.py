"""Synthetic aligned faces: a face set anyone can make, for tests, examples and docs.

Not a face model: drawn cartoons (an oval head, eyes, brows, a nose, a
mouth) at nearly fixed positions, with per-face changes of shape, size,
brightness and a little texture -- aligned as real face sets are, so the
position-patch methods can be exercised and compared without a face
database (none ships with the package).
"""

import numpy as np
from scipy import ndimage

from .._validation import check_int

__all__ = ["synthetic_faces"]


def _draw(rng, shape):
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(float)
    cy, cx = h * 0.5 + rng.normal(0, 0.6), w * 0.5 + rng.normal(0, 0.6)
    img = np.full(shape, 40.0 + rng.normal(0, 5))
    head = ((yy - cy) / (h * rng.uniform(0.40, 0.46))) ** 2 + \
        ((xx - cx) / (w * rng.uniform(0.36, 0.42))) ** 2 < 1
    img[head] = rng.uniform(150, 200)
    eye_y = h * 0.42 + rng.normal(0, 0.5)
    for side in (-1, 1):
        ex = cx + side * w * rng.uniform(0.17, 0.21)
        r = rng.uniform(2.0, 3.2) * h / 60
        img[((yy - eye_y) / (r * 0.7)) ** 2 + ((xx - ex) / r) ** 2 < 1] = rng.uniform(20, 60)
        brow = (np.abs(yy - (eye_y - rng.uniform(4, 6) * h / 60)) < h / 60) & \
            (np.abs(xx - ex) < r + 2 * h / 60)
        img[brow] -= rng.uniform(50, 90)
    nose = (np.abs(xx - cx) < rng.uniform(1.0, 2.0) * h / 60) & (yy > eye_y + 2) & \
        (yy < h * 0.62)
    img[nose] -= rng.uniform(20, 40)
    mouth = ((yy - h * 0.74) / (rng.uniform(1.2, 2.2) * h / 60)) ** 2 + \
        ((xx - cx) / (w * rng.uniform(0.14, 0.22))) ** 2 < 1
    img[mouth] = rng.uniform(60, 110)
    img += rng.normal(0, 3, shape)
    img = ndimage.gaussian_filter(img, rng.uniform(0.6, 1.0) * h / 60)
    return np.clip(np.round(img), 0, 255).astype(np.uint8)


def synthetic_faces(n, shape=(60, 52), random_state=0):
    """``n`` synthetic aligned greyscale faces (uint8) of ``shape``.

    The eyes are at about ``(0.42 h, 0.31 w)`` and ``(0.42 h, 0.69 w)``.

    Examples
    --------
    >>> from classicsr.face import synthetic_faces
    >>> faces = synthetic_faces(3)
    >>> len(faces), faces[0].shape, faces[0].dtype
    (3, (60, 52), dtype('uint8'))
    """
    n = check_int(n, "n", minimum=1)
    if not isinstance(shape, (tuple, list)) or len(shape) != 2:
        raise TypeError(f"shape must be (rows, cols), got {shape!r}")
    shape = tuple(check_int(s, "shape", minimum=16) for s in shape)
    rng = np.random.default_rng(random_state)
    return [_draw(rng, shape) for _ in range(n)]
