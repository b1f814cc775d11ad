"""Dense motion: optical flow of every frame to the reference, and its confidence.

``motion='flow'`` of :func:`~classicsr.multiframe.reconstruct`: instead of one
matrix per frame (:mod:`classicsr.multiframe.registration`), every LR pixel
``p`` of frame ``k`` gets its own displacement ``flow[k, p]``, with
``frame_k(p) = reference(p + flow[k, p])`` (the convention of
:mod:`classicsr.multiframe.motion`), so that an object moving on its own
over a moving scene is registered where it is.

Estimation
----------
OpenCV's DIS optical flow (Kroeger, Timofte, Dai, Van Gool, "Fast optical
flow using dense inverse search", ECCV 2016; ``cv2.DISOpticalFlow``, preset
``FLOW_PRESET``, coarse-to-fine with variational refinement), computed from
each frame to the reference, both upscaled ``FLOW_UPSAMPLE`` times by
bicubic interpolation (DIS works on 8-bit images: the upscaling gives its
patches sub-pixel detail, the flow is then averaged back onto the LR
grid). It is a well-kept library's implementation; nothing of the flow
itself is written here.

Dominant motion
---------------
The flow's error has a part that depends on the sub-pixel displacement and
so does not average out over a frame that moves as a whole: mean errors of
0.02-0.04 LR pixels per frame on translated frames (camera, x2), where ECC
registers to about 0.01, and the flow alone loses 0.5-0.8 dB against a
global registration (camera, x2, 16 frames, translation: +4.70 dB over
bicubic against +5.52 with ECC). So each frame's dominant motion is
estimated too: a homography fitted to the flow (``cv2.findHomography``,
RANSAC, on every ``DOMINANT_STRIDE``-th pixel, Fischler & Bolles 1981),
refined by ``DOMINANT_ECC_ITERATIONS`` iterations of ECC at full resolution
on the pixels whose flow it explains to within 1 LR pixel
(:func:`~classicsr.multiframe.registration.refine`). Wherever the flow is
within ``SNAP`` LR pixels of it, the flow takes the dominant motion
exactly: a two-layer motion (the dominant layer and the dense rest; Wang &
Adelson, "Representing moving images with layers", IEEE TIP 3(5), 1994).
Where the dominant motion does not hold (an object moving on its own), the
flow disagrees with it by more than ``SNAP`` and is kept.

Confidence
----------
Per pixel, in [0, 1], the product of

* forward-backward consistency (Sundaram, Brox, Keutzer, ECCV 2010): the
  flow from the reference back to the frame, ``v``, should undo the flow:
  ``e = |u(p) + v(p + u(p))|``; weight ``exp(-e^2 / (2 FB_SIGMA^2))``;
* the residual ``r = frame(p) - reference(p + u(p))`` (bilinear), against
  its robust scale ``s`` (1.4826 x the median absolute residual over all
  frames): weight ``exp(-r^2 / (2 (RESIDUAL_SIGMAS s)^2))``;
* 0 where ``p + u(p)`` falls outside the reference frame.

The reference frame has zero flow and weight 1 everywhere, so every part of
the result is explained by at least one frame.

Settings
--------
Chosen on :func:`~classicsr.multiframe.simulation.simulate_local` (astronaut,
x2, 16 frames, seeds 100-102; the tests and the benchmark's evaluation use
other seeds) with ``python benchmarks/bench_flow.py --tune`` (one setting
changed at a time; ``benchmarks/results/flow.json``, ``tuning``). Median
gains of ``l1btv`` over bicubic, dB, whole / object / worst 32x32 window,
the default in bold:

* DIS on the LR frames / **upscaled x2**: +4.90 / +2.10 / +0.93,
  **+5.44 / +3.20 / +1.16**; preset FAST / **MEDIUM**: +4.86 / +2.39 /
  +1.00. (Median flow error on the background, DIS alone: LR 0.055-0.075 LR
  pixels, x2 0.044-0.052, x4 0.10-0.12 and 4 times slower; Farneback on the
  LR frames 0.036-0.045 but 3 to 20 times the error of DIS x2 on the object.)
* RESIDUAL_SIGMAS 3 / **5** / 8: +5.15 / +2.49 / +1.22, **+5.44 / +3.20 /
  +1.16**, +5.57 / +3.47 / +1.13; without the residual term (and before the
  dominant motion) the worst window of one seed fell to -0.89 dB with
  ``map``. FB_SIGMA 0.125 / **0.25** / 0.5: +5.42 / +3.00 / +1.03, **+5.44 /
  +3.20 / +1.16**, +5.42 / +3.13 / +1.20. (Chosen before the dominant
  motion was added, on a 4 x 2 grid with ``map`` too: (5, 0.25) and (8, 0.25)
  left the same smallest margin over the issue's bars across seeds and
  methods; the one that down-weights more was kept.)
* SNAP 0 / 0.125 / **0.25** / 0.5, with the gain on scenes that move as a
  whole (camera, translation / affine / homography; ECC registration with
  the right model: +5.52 / +5.81 / +5.83): +5.40 / +3.34 / +1.26 and +4.76 /
  +5.21 / +5.13; +5.46 / +3.33 / +1.18 and +5.27 / +5.74 / +5.74; **+5.44 /
  +3.20 / +1.16 and +5.30 / +5.79 / +5.78**; +5.40 / +3.02 / +1.14 and
  +5.31 / +5.80 / +5.79. DOMINANT_ECC_ITERATIONS 0 / **10** / 30: camera
  +4.82 / +5.74 / +5.70, **+5.30 / +5.79 / +5.78**, the same. (A dominant
  motion registered from scratch by robust pyramid ECC instead: the same
  gains within 0.1 dB, but 0.39 s for the 15 frames against 0.17 s.)

Thread count
------------
DIS and the remapping run on OpenCV's threads; their result was measured
the same bit for bit on 1, 2 and 8 OpenCV threads (OpenCV 5.0), and
``tests/test_flow.py`` checks it, with the Numba kernels of the solve, on
every run.
"""

import numpy as np

__all__ = ["DOMINANT_ECC_ITERATIONS", "DOMINANT_STRIDE", "FB_SIGMA", "FLOW_PRESET",
           "FLOW_UPSAMPLE", "RESIDUAL_SIGMAS", "SNAP", "dominant_motion", "estimate_flow",
           "flow_confidence", "flow_pair", "snap_to"]

#: DIS preset (``cv2.DISOPTICAL_FLOW_PRESET_*`` name).
FLOW_PRESET = "MEDIUM"
#: The frames are upscaled this many times (bicubic) before the flow.
FLOW_UPSAMPLE = 2
#: Forward-backward error (LR pixels) at which the confidence is exp(-1/2).
FB_SIGMA = 0.25
#: Residual, in robust standard deviations, at which the confidence is exp(-1/2).
RESIDUAL_SIGMAS = 5.0
#: How close (LR pixels) the flow must be to the dominant motion to take it.
SNAP = 0.25
#: The dominant homography is fitted to every this-many-th pixel's flow, then
#: refined by this many ECC iterations.
DOMINANT_STRIDE = 2
DOMINANT_ECC_ITERATIONS = 10


def _to_uint8(image, low, high):
    return np.clip(np.round((image - low) * (255.0 / max(high - low, 1e-6))), 0,
                   255).astype(np.uint8)


def _dis():
    import cv2

    return cv2.DISOpticalFlow_create(getattr(cv2, f"DISOPTICAL_FLOW_PRESET_{FLOW_PRESET}"))


def flow_pair(reference, frame, *, upsample=None, dis=None, levels=None):
    """Displacement of every pixel of ``frame`` to ``reference`` (LR pixels).

    Parameters
    ----------
    reference, frame : ndarray, shape (h, w)
        float images of one scene.
    upsample : int, optional
        Upscale both this many times (bicubic) before the flow
        (default ``FLOW_UPSAMPLE``).
    dis : cv2.DISOpticalFlow, optional
        The estimator (a new one of ``FLOW_PRESET`` if None).
    levels : tuple of float, optional
        ``(low, high)`` values mapped to 0 and 255 for DIS (default: the
        0.5th and 99.5th percentiles of the reference).

    Returns
    -------
    ndarray, shape (h, w, 2), float64
        ``(dx, dy)`` with ``frame(p) = reference(p + flow[p])``.
    """
    import cv2

    if upsample is None:
        upsample = FLOW_UPSAMPLE
    if dis is None:
        dis = _dis()
    if levels is None:
        levels = np.percentile(reference, [0.5, 99.5])
    images = []
    for image in (frame, reference):
        image = np.asarray(image, dtype=np.float32)
        if upsample > 1:
            image = cv2.resize(image, None, fx=upsample, fy=upsample,
                               interpolation=cv2.INTER_CUBIC)
        images.append(_to_uint8(image, *levels))
    flow = dis.calc(images[0], images[1], None)
    if upsample > 1:
        # the mean over each LR pixel's upsample x upsample block, centred on it
        flow = cv2.resize(flow, (frame.shape[1], frame.shape[0]),
                          interpolation=cv2.INTER_AREA) / upsample
    return flow.astype(np.float64)


def _sample(image, flow):
    """``image(p + flow[p])``, bilinear, edge replicated; and whether inside."""
    import cv2

    h, w = flow.shape[:2]
    cols, rows = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    mx = cols + flow[..., 0].astype(np.float32)
    my = rows + flow[..., 1].astype(np.float32)
    out = cv2.remap(np.asarray(image, dtype=np.float32), mx, my, cv2.INTER_LINEAR,
                    borderMode=cv2.BORDER_REPLICATE)
    inside = (mx >= -0.5) & (mx <= w - 0.5) & (my >= -0.5) & (my <= h - 0.5)
    return out, inside


def flow_confidence(reference, frame, forward, backward, residual_scale):
    """Confidence in [0, 1] of every pixel of ``frame`` (see the module notes).

    Parameters
    ----------
    reference, frame : ndarray, shape (h, w)
    forward : ndarray, shape (h, w, 2)
        Flow of ``frame`` to ``reference`` (:func:`flow_pair`).
    backward : ndarray, shape (h, w, 2)
        Flow of ``reference`` to ``frame``.
    residual_scale : float
        Robust standard deviation of the residuals (``s``).

    Returns
    -------
    ndarray, shape (h, w), float64
    """
    back_x, inside = _sample(backward[..., 0], forward)
    back_y, _ = _sample(backward[..., 1], forward)
    error2 = (forward[..., 0] + back_x) ** 2 + (forward[..., 1] + back_y) ** 2
    predicted, _ = _sample(reference, forward)
    residual = np.asarray(frame, dtype=np.float64) - predicted
    scale = RESIDUAL_SIGMAS * max(residual_scale, 1e-4)
    weight = np.exp(-0.5 * error2 / FB_SIGMA ** 2 - 0.5 * (residual / scale) ** 2)
    return np.where(inside, weight, 0.0)


def dominant_motion(reference, frame, flow):
    """The homography that best explains ``flow`` (see the module notes).

    Parameters
    ----------
    reference, frame : ndarray, shape (h, w)
    flow : ndarray, shape (h, w, 2)
        Flow of ``frame`` to ``reference``.

    Returns
    -------
    ndarray, shape (3, 3)
        ``P`` with ``frame(p) = reference(P p)`` where the scene moves as a whole.
    """
    import cv2

    from .motion import matrix_flow
    from .registration import refine

    h, w = flow.shape[:2]
    rows, cols = np.mgrid[0:h:DOMINANT_STRIDE, 0:w:DOMINANT_STRIDE].astype(np.float32)
    src = np.column_stack([cols.ravel(), rows.ravel()])
    dst = src + flow[::DOMINANT_STRIDE, ::DOMINANT_STRIDE].reshape(-1, 2).astype(np.float32)
    matrix, _ = cv2.findHomography(src, dst, cv2.RANSAC, 0.5, maxIters=2000,
                                   confidence=0.999)
    if matrix is None or not np.isfinite(matrix).all() or abs(matrix[2, 2]) < 1e-12:
        return np.eye(3)  # no dominant motion: nothing is snapped that should not be
    matrix = matrix / matrix[2, 2]
    if DOMINANT_ECC_ITERATIONS:
        explained = np.hypot(*(flow - matrix_flow(matrix, (h, w))).transpose(2, 0, 1)) < 1.0
        matrix = refine(reference, frame, matrix, "homography",
                        explained.astype(np.uint8) * 255, DOMINANT_ECC_ITERATIONS)
    return matrix


def snap_to(flow, matrix, tolerance=None):
    """``flow`` with the pixels within ``tolerance`` (``SNAP``) LR pixels of the
    motion of ``matrix`` replaced by that motion (a new array)."""
    from .motion import matrix_flow

    tolerance = SNAP if tolerance is None else tolerance
    dominant = matrix_flow(matrix, flow.shape[:2])
    close = np.hypot(*(flow - dominant).transpose(2, 0, 1)) < tolerance
    return np.where(close[..., None], dominant, flow)


def _residuals(reference, frame, flow):
    predicted, inside = _sample(reference, flow)
    return (np.asarray(frame, dtype=np.float64) - predicted)[inside]


def estimate_flow(stack, reference=0, *, progress=False):
    """Dense flow of every frame to the reference frame, and its confidence.

    Parameters
    ----------
    stack : ndarray, shape (N, h, w)
        float luminance frames in [0, 1] (validated).
    reference : int
        Index of the reference frame.
    progress : bool
        Show tqdm progress bars.

    Returns
    -------
    flow : ndarray, shape (N, h, w, 2), float64
        ``frame_k(p) = reference(p + flow[k, p])``, LR pixels; zero for the
        reference frame.
    confidence : ndarray, shape (N, h, w), float64
        In [0, 1] (see the module notes); 1 for the reference frame.
    dominant : ndarray, shape (N, 3, 3)
        The dominant motion of every frame (:func:`dominant_motion`), in the
        convention of :mod:`classicsr.multiframe.motion`.

    Examples
    --------
    >>> import numpy as np
    >>> from skimage import data
    >>> from classicsr.multiframe.simulation import simulate_local
    >>> sim = simulate_local(data.camera()[128:384, 128:384], 2, 4, seed=0)
    >>> flow, confidence, dominant = estimate_flow(sim.frames / 255.0)
    >>> flow.shape, confidence.shape, dominant.shape
    ((4, 128, 128, 2), (4, 128, 128), (4, 3, 3))
    """
    from tqdm.auto import tqdm

    stack = np.asarray(stack, dtype=np.float64)
    n = stack.shape[0]
    ref = stack[reference]
    dominant = np.tile(np.eye(3), (n, 1, 1))
    flow = np.zeros(stack.shape + (2,))
    backward = np.zeros(stack.shape + (2,))
    levels = np.percentile(ref, [0.5, 99.5])
    dis = _dis()
    for k in tqdm(range(n), desc="flow", disable=not progress, unit="frame"):
        if k != reference:
            forward = flow_pair(ref, stack[k], dis=dis, levels=levels)
            dominant[k] = dominant_motion(ref, stack[k], forward)
            flow[k] = snap_to(forward, dominant[k])
            backward[k] = snap_to(flow_pair(stack[k], ref, dis=dis, levels=levels),
                                  np.linalg.inv(dominant[k]))
    others = [k for k in range(n) if k != reference]
    residuals = np.concatenate([_residuals(ref, stack[k], flow[k]) for k in others])
    scale = 1.4826 * float(np.median(np.abs(residuals))) if residuals.size else 0.0
    confidence = np.ones(stack.shape)
    for k in others:
        confidence[k] = flow_confidence(ref, stack[k], flow[k], backward[k], scale)
    return flow, confidence, dominant
