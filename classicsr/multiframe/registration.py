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

Registration quality
--------------------
:func:`registration_quality` (``register(..., return_quality=True)``) says
how well each registered frame matches the reference: the correlation
coefficient between the frame and the reference warped by its motion, both
band-pass filtered (difference of Gaussians of standard deviations
``QUALITY_BAND`` = 0.7 and 2 LR pixels), over the pixels the warped
reference covers. 1 is a perfect match, 0 nothing in common. The band-pass
matters: a smooth shading (a sky, a vignetted wall) correlates well at any
shift, so the plain correlation stays near 0.8 for frames misregistered by
tens of pixels, whereas the detail that super-resolution needs does not.
Frames below ``QUALITY_THRESHOLD`` are poorly registered:
:func:`~classicsr.multiframe.reconstruct` warns, naming them.
"""

import warnings

import numpy as np

from .._image import to_unit
from .._validation import check_bool, check_int
from .motion import check_model, check_motion

__all__ = ["ECC_EPSILON", "ECC_ITERATIONS", "ECC_SMOOTHING", "MIN_LEVEL_SIZE", "OUTLIER_MADS",
           "QUALITY_BAND", "QUALITY_MIN_OVERLAP", "QUALITY_THRESHOLD", "RegistrationWarning",
           "outlier_mask", "poor_frames", "quality_luminance", "refine", "register",
           "register_luminance", "register_pair", "registration_quality",
           "warn_if_poorly_registered"]

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
#: Registration quality: band-pass (difference of Gaussians) standard deviations, LR pixels.
QUALITY_BAND = (0.7, 2.0)
#: Frames whose registration quality is below this are reported as poorly registered.
#: Chosen on simulations (``simulate``, scale 2, 64x64 LR frames, 6 frames, noise 1, 2 or
#: 5 / 255; crops of ten skimage images at full or reduced contrast (1% to 30%), flat
#: scenes, i.i.d. random texture, and frames of unrelated noise; 1500 registered frames):
#:
#: * well registered (error < 0.1 LR px, 704 frames): median 0.98, 5th percentile 0.73,
#:   1st percentile 0.39 (the few lower ones: 1-3% contrast crops at noise 5/255, where
#:   registration is right by luck); textured crops alone: 1st percentile 0.67;
#: * misregistered by >= 1 LR px (345 frames): median 0.02, 95th percentile 0.24;
#: * flat scenes: -0.06 to 0.11 (registration error median 1.8 LR px); unrelated frames:
#:   -0.10 to 0.09;
#: * at 0.4: 8 of the 704 good frames flagged (1.1%), 6 of the 345 frames off by >= 1 px
#:   missed (1.7%); at 0.5: 14 and 4, at 0.3: 6 and 15.
#:
#: The real clips of ``shared/data/video`` (16 frames, translation) score 0.78 to 1.00
#: (alpaca 0.78, disk 0.85, Emily 0.85, text 0.93, Book_case1_small 0.98), except
#: pcb_zoom_out_slow.mp4, a zoom that a translation cannot follow: 0.92, 0.66, then below
#: 0.4 from its 4th frame on.
QUALITY_THRESHOLD = 0.4
#: Frames whose warped reference covers less than this fraction of them score 0.
QUALITY_MIN_OVERLAP = 0.1


def _ecc_type(model):
    import cv2

    return {"translation": cv2.MOTION_TRANSLATION, "affine": cv2.MOTION_AFFINE,
            "homography": cv2.MOTION_HOMOGRAPHY}[model]


def _ecc(template, image, warp, model, template_mask, image_mask, iterations=None):
    """One ECC run (template = frame, image = reference); returns a 3x3 matrix.

    At most ``iterations`` (``ECC_ITERATIONS`` if None) iterations."""
    import cv2

    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT,
                ECC_ITERATIONS if iterations is None else iterations, ECC_EPSILON)
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


def outlier_mask(frame, predicted):
    """uint8 mask (255 / 0), 0 on the pixels of ``frame`` that ``predicted`` does not explain.

    Residuals beyond :data:`OUTLIER_MADS` robust standard deviations (1.4826
    x their MAD), isolated hits (noise, a thin edge the prediction blurs
    differently) dropped by a 2 x 2 opening, the blobs that remain
    (occlusions, corrupted blocks) dilated by 2 pixels. Used to mask the
    ECC registration (:func:`register_pair`) and the observations of the
    PSF estimate (:func:`~classicsr.multiframe.bayesian.blind_psf_sigma`).
    """
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
        mask = outlier_mask(frame, _warp_reference(reference, warp, frame.shape))
        if mask.mean() < 255:
            ones = np.full(frame.shape, 255, np.uint8)
            warp = _ecc(frame, reference, warp, model, mask, ones)
    return warp


def refine(reference, frame, warp, model="homography", mask=None, iterations=None):
    """``warp`` refined by one ECC run at full resolution (no pyramid).

    For a start that is already close (e.g. a model fitted to an optical
    flow); ``mask`` (uint8, 0 = left out) restricts it to the frame's pixels
    the motion should explain. Returns the 3x3 matrix.
    """
    if mask is None:
        mask = np.full(frame.shape, 255, np.uint8)
    ones = np.full(frame.shape, 255, np.uint8)
    return _ecc(np.ascontiguousarray(frame, dtype=np.float32),
                np.ascontiguousarray(reference, dtype=np.float32),
                np.asarray(warp, dtype=np.float64), model, mask, ones, iterations)


def _band(image):
    """Difference-of-Gaussians band of a float32 image (``QUALITY_BAND``)."""
    import cv2

    fine, coarse = (cv2.GaussianBlur(image, (0, 0), s, borderType=cv2.BORDER_REFLECT)
                    for s in QUALITY_BAND)
    return fine - coarse


def _frame_quality(reference, frame, matrix):
    """Band-pass correlation of ``frame`` with ``reference`` warped by ``matrix``."""
    import cv2

    predicted = _warp_reference(reference, matrix, frame.shape)
    covered = cv2.warpPerspective(np.ones_like(reference), matrix.astype(np.float64),
                                  (frame.shape[1], frame.shape[0]),
                                  flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP,
                                  borderMode=cv2.BORDER_CONSTANT, borderValue=0) > 0.5
    if covered.sum() < max(QUALITY_MIN_OVERLAP * covered.size, 4):
        return 0.0
    a = _band(frame)[covered].astype(np.float64)
    b = _band(predicted)[covered].astype(np.float64)
    a -= a.mean()
    b -= b.mean()
    norm = np.sqrt((a @ a) * (b @ b))
    return float(a @ b / norm) if norm > 0 else 0.0


def quality_luminance(stack, motion, reference):
    """:func:`registration_quality` of a validated float32 ``(N, h, w)`` luminance stack."""
    stack = np.ascontiguousarray(stack, dtype=np.float32)
    out = np.ones(stack.shape[0])
    for k in range(stack.shape[0]):
        if k != reference:
            out[k] = _frame_quality(stack[reference], stack[k], np.asarray(motion[k]))
    return out


def registration_quality(frames, motion, reference=0):
    """How well each frame matches the reference frame once registered.

    Parameters
    ----------
    frames : sequence of ndarray or ndarray, shape (N, h, w[, C])
        The frames, as for :func:`register` (colour frames: their luminance).
    motion : array, (N, 3, 3) or (N, 2)
        Their motion relative to ``reference`` (from :func:`register`, or
        known), in the convention of :mod:`classicsr.multiframe.motion`.
    reference : int
        Index of the reference frame.

    Returns
    -------
    ndarray, shape (N,)
        Per frame, the correlation coefficient (-1 to 1) between the frame
        and the reference warped by its motion, both band-pass filtered (see
        the module notes); 1.0 for the reference. Below
        ``QUALITY_THRESHOLD`` (0.4) the frame is poorly registered.

    Examples
    --------
    >>> import numpy as np
    >>> from skimage import data
    >>> from classicsr.multiframe import register, simulate
    >>> frames, _ = simulate(data.camera()[100:228, 100:228], 2, n_frames=3, seed=0)
    >>> bool(registration_quality(frames, register(frames)).min() > 0.9)
    True
    >>> flat, _ = simulate(np.full((128, 128), 0.5), 2, n_frames=3, seed=0)
    >>> bool(registration_quality(flat, register(flat))[1:].max() < 0.4)
    True
    """
    from .frames import check_frames, stack_luminance

    stack = check_frames(frames)
    reference = check_int(reference, "reference", minimum=0, maximum=stack.shape[0] - 1)
    motion = check_motion(motion, stack.shape[0])
    return quality_luminance(stack_luminance(to_unit(stack)).astype(np.float32), motion,
                             reference)


def poor_frames(quality, threshold=None):
    """Indices of the frames whose quality is below ``threshold`` (``QUALITY_THRESHOLD``)."""
    threshold = QUALITY_THRESHOLD if threshold is None else threshold
    return [int(k) for k in np.flatnonzero(np.asarray(quality) < threshold)]


class RegistrationWarning(UserWarning):
    """Some frames could not be registered reliably (:func:`warn_if_poorly_registered`)."""


def warn_if_poorly_registered(quality, stacklevel=2):
    """Warn (:class:`RegistrationWarning`, a ``UserWarning``) naming the frames of
    ``quality`` below ``QUALITY_THRESHOLD``.

    Returns the list of those frames (empty: no warning).
    """
    bad = poor_frames(quality)
    if bad:
        listed = ", ".join(f"{k} ({quality[k]:.2f})" for k in bad[:10])
        more = f" and {len(bad) - 10} more" if len(bad) > 10 else ""
        warnings.warn(
            f"registration failed or is unreliable for {len(bad)} of {len(quality)} frames: "
            f"{listed}{more} (band-pass correlation with the registered reference, 1 = "
            f"perfect, below {QUALITY_THRESHOLD} = poor); the result may be worse than "
            "upscaling one frame. Check that the frames show one textured scene, try another "
            "motion model (affine, homography) or leave those frames out",
            RegistrationWarning, stacklevel=stacklevel + 1)
    return bad


def register(frames, reference=0, motion="translation", *, robust=True, progress=False,
             return_quality=False):
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
    return_quality : bool
        Also return the :func:`registration_quality` of every frame.

    Returns
    -------
    motion : ndarray, shape (N, 3, 3)
        ``motion[k]`` with ``frame_k(p) = reference(motion[k] p)`` in LR pixel
        coordinates; the identity for the reference.
    quality : ndarray, shape (N,)
        Only with ``return_quality``: see :func:`registration_quality`.

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
    return_quality = check_bool(return_quality, "return_quality")
    luminance = stack_luminance(to_unit(stack)).astype(np.float32)
    out = register_luminance(luminance, reference, model, robust=robust, progress=progress,
                             tqdm=tqdm)
    if return_quality:
        return out, quality_luminance(luminance, out, reference)
    return out


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
