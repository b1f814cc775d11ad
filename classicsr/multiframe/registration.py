"""Sub-pixel registration of a sequence of frames to a reference frame.

Each frame is registered to the reference independently, in three steps:

1. phase correlation (``cv2.phaseCorrelate``, Hann window) for a global
   translation, robust to large shifts;
2. coarse-to-fine ECC (``cv2.findTransformECCWithMask``, Evangelidis &
   Psarakis, PAMI 2008) from that start, on a Gaussian pyramid
   (``cv2.pyrDown``) whose coarsest level is at least ``MIN_LEVEL_SIZE``
   pixels, with the requested motion model;
3. robust refinement: pixels of the frame that the registered reference does
   not explain (residual above ``OUTLIER_MADS`` robust standard deviations,
   dilated) are masked out and ECC is run again at full resolution, so that
   occluding objects do not pull the estimate.

The result follows the convention of :mod:`classicsr.multiframe.motion`
(``frame_k(p) = reference(motion[k] p)``).
"""

import numpy as np

from .._image import to_unit
from .._validation import check_bool, check_int
from .motion import check_model

__all__ = ["ECC_EPSILON", "ECC_ITERATIONS", "ECC_SMOOTHING", "MIN_LEVEL_SIZE", "OUTLIER_MADS",
           "register", "register_luminance", "register_pair"]

#: Coarsest pyramid level: at least this many pixels on the shorter side.
MIN_LEVEL_SIZE = 32
#: Residuals beyond this many robust standard deviations mark outlier pixels.
OUTLIER_MADS = 4.0
#: ECC: at most this many iterations per level, stop when the correlation
#: coefficient improves by less than this.
ECC_ITERATIONS = 200
ECC_EPSILON = 1e-7
#: Gaussian pre-smoothing (kernel size) of ECC.
ECC_SMOOTHING = 5


def _ecc_type(model):
    import cv2

    return {"translation": cv2.MOTION_TRANSLATION, "affine": cv2.MOTION_AFFINE,
            "homography": cv2.MOTION_HOMOGRAPHY}[model]


def _ecc(template, image, warp, model, template_mask, image_mask):
    """One ECC run (template = frame, image = reference); returns a 3x3 matrix."""
    import cv2

    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, ECC_ITERATIONS, ECC_EPSILON)
    start = warp.astype(np.float32) if model == "homography" else warp[:2].astype(np.float32)
    try:
        _, found = cv2.findTransformECCWithMask(
            template, image, template_mask, image_mask, start, _ecc_type(model), criteria,
            ECC_SMOOTHING)
    except cv2.error:
        return warp  # ECC did not converge: keep the start
    out = np.eye(3)
    out[: found.shape[0]] = found
    return out / out[2, 2]


def _pyramid(image, levels):
    import cv2

    out = [image]
    for _ in range(levels):
        out.append(cv2.pyrDown(out[-1]))
    return out


def _warp_reference(reference, matrix, shape):
    """``reference(matrix p)`` on the frame's grid."""
    import cv2

    return cv2.warpPerspective(reference, matrix.astype(np.float64), (shape[1], shape[0]),
                               flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                               borderMode=cv2.BORDER_REPLICATE)


def _outlier_mask(frame, predicted):
    """uint8 mask, 0 on pixels the prediction does not explain (dilated)."""
    import cv2

    residual = frame - predicted
    mad = np.median(np.abs(residual - np.median(residual)))
    threshold = OUTLIER_MADS * 1.4826 * max(mad, 1e-4)
    bad = (np.abs(residual) > threshold).astype(np.uint8)
    # keep isolated noise hits; drop blobs (occlusions) with a margin
    bad = cv2.morphologyEx(bad, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
    bad = cv2.dilate(bad, np.ones((5, 5), np.uint8))
    return (1 - bad).astype(np.uint8) * 255


def register_pair(reference, frame, model="translation", robust=True):
    """Motion of ``frame`` relative to ``reference`` (float32 2-D arrays).

    Returns the 3x3 matrix ``P`` with ``frame(p) = reference(P p)``.
    """
    import cv2

    window = cv2.createHanningWindow(frame.shape[::-1], cv2.CV_32F)
    # copies: OpenCV 5.0's phaseCorrelate multiplies its inputs by the window in place
    (dx, dy), _ = cv2.phaseCorrelate(frame.copy(), reference.copy(), window)
    warp = np.array([[1.0, 0.0, dx], [0.0, 1.0, dy], [0.0, 0.0, 1.0]])
    levels = 0
    while min(frame.shape) >> (levels + 1) >= MIN_LEVEL_SIZE:
        levels += 1
    frames, references = _pyramid(frame, levels), _pyramid(reference, levels)
    down = np.diag([0.5, 0.5, 1.0])
    warp = np.linalg.matrix_power(down, levels) @ warp @ np.linalg.matrix_power(
        np.linalg.inv(down), levels)
    for level in range(levels, -1, -1):
        ones = np.full(frames[level].shape, 255, np.uint8)
        warp = _ecc(frames[level], references[level], warp, model, ones, ones)
        if level:
            warp = np.linalg.inv(down) @ warp @ down
    if robust:
        mask = _outlier_mask(frame, _warp_reference(reference, warp, frame.shape))
        if mask.mean() < 255:
            ones = np.full(frame.shape, 255, np.uint8)
            warp = _ecc(frame, reference, warp, model, mask, ones)
    return warp


def register(frames, reference=0, motion="translation", *, robust=True, progress=False):
    """Estimate the motion of every frame relative to the reference frame.

    Parameters
    ----------
    frames : sequence of ndarray or ndarray, shape (N, h, w[, C])
        The frames (>= 2, same shape and dtype). Colour frames are
        registered on their luminance (Y of ``rgb2ycbcr``).
    reference : int
        Index of the reference frame.
    motion : {'translation', 'affine', 'homography'}
        Motion model.
    robust : bool
        Mask out pixels the first estimate does not explain and register
        again (see the module notes).
    progress : bool
        Show a tqdm progress bar.

    Returns
    -------
    ndarray, shape (N, 3, 3)
        ``motion[k]`` with ``frame_k(p) = reference(motion[k] p)`` in LR pixel
        coordinates; the identity for the reference.

    Examples
    --------
    >>> import numpy as np
    >>> from skimage import data
    >>> from classicsr.multiframe import register, simulate
    >>> frames, truth = simulate(data.camera()[100:228, 100:228], 2, n_frames=3, seed=0)
    >>> bool(np.abs(register(frames)[:, :2, 2] - truth[:, :2, 2]).max() < 0.05)
    True
    """
    from tqdm.auto import tqdm

    from .frames import check_frames, stack_luminance

    stack = check_frames(frames)
    model = check_model(motion, "motion")
    reference = check_int(reference, "reference", minimum=0, maximum=stack.shape[0] - 1)
    robust = check_bool(robust, "robust")
    progress = check_bool(progress, "progress")
    return register_luminance(stack_luminance(to_unit(stack)).astype(np.float32), reference,
                              model, robust=robust, progress=progress, tqdm=tqdm)


def register_luminance(stack, reference, model, *, robust=True, progress=False, tqdm=None):
    """:func:`register` on a validated float32 ``(N, h, w)`` stack."""
    if tqdm is None:
        from tqdm.auto import tqdm
    stack = np.ascontiguousarray(stack, dtype=np.float32)
    out = np.tile(np.eye(3), (stack.shape[0], 1, 1))
    for k in tqdm(range(stack.shape[0]), desc="register", disable=not progress,
                  unit="frame"):
        if k != reference:
            out[k] = register_pair(stack[reference], stack[k], model, robust)
    return out
