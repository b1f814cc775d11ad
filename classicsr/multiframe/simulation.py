"""Simulated low-resolution sequences: ``y_k = D H W_k x + n_k`` with known motion.

* :func:`simulate` -- the whole scene moves by one global motion per frame;
* :func:`simulate_local` -- the scene moves as a whole *and* a textured
  object moves over it on its own (local motion, occlusions): the test bed
  of the dense-motion model ``motion='flow'``;
* :func:`synthetic_chart` -- a resolution chart (zone plate, bars), a scene
  unlike photographs for the tuning of the defaults.
"""

from typing import NamedTuple

import numpy as np

from .._image import from_unit, to_unit
from .._validation import check_image, check_int, check_integer_scale, check_real
from .motion import check_model, lr_to_hr, translations
from .operators import gaussian_psf_taps

__all__ = ["MAX_PERSPECTIVE", "MAX_ROTATION", "MAX_SHIFT", "MAX_ZOOM", "OBJECT_SIZE",
           "OBJECT_SPEED", "LocalMotion", "random_motion", "simulate", "simulate_local",
           "synthetic_chart"]

#: Largest |shift| (LR pixels) of simulated frames, and the ranges of the
#: small rotation (radians), zoom and perspective terms of 'affine' and
#: 'homography' motion.
MAX_SHIFT = 2.0
MAX_ROTATION = np.deg2rad(2.0)
MAX_ZOOM = 0.02
MAX_PERSPECTIVE = 2e-4


def random_motion(n_frames, model, shape, rng):
    """``(n_frames, 3, 3)`` random motions of ``model``; frame 0 is the identity.

    Translations are uniform in ``[-MAX_SHIFT, MAX_SHIFT]`` LR pixels;
    'affine' adds a rotation (up to ``MAX_ROTATION``) and zoom (up to
    ``MAX_ZOOM``) about the frame centre; 'homography' adds perspective terms
    up to ``MAX_PERSPECTIVE`` per pixel (about half a pixel of keystone on a
    64-pixel frame).
    """
    motion = translations(rng.uniform(-MAX_SHIFT, MAX_SHIFT, (n_frames, 2)))
    if model != "translation":
        cy, cx = (shape[0] - 1) / 2.0, (shape[1] - 1) / 2.0
        centre = np.array([[1, 0, cx], [0, 1, cy], [0, 0, 1.0]])
        for k in range(n_frames):
            angle = rng.uniform(-MAX_ROTATION, MAX_ROTATION)
            zoom = 1.0 + rng.uniform(-MAX_ZOOM, MAX_ZOOM)
            linear = np.eye(3)
            linear[:2, :2] = zoom * np.array([[np.cos(angle), -np.sin(angle)],
                                              [np.sin(angle), np.cos(angle)]])
            if model == "homography":
                linear[2, :2] = rng.uniform(-MAX_PERSPECTIVE, MAX_PERSPECTIVE, 2)
            motion[k] = motion[k] @ centre @ linear @ np.linalg.inv(centre)
    motion[0] = np.eye(3)
    return motion / motion[:, 2, 2][:, None, None]


def _observe(channel, transforms, taps, scale, lr_shape):
    """One frame of one channel: cubic-spline warp, PSF, decimation."""
    from scipy.ndimage import correlate1d, map_coordinates, spline_filter

    ntap = taps.size
    radius = (ntap - 1) // 2
    origin = (scale - 1) / 2.0 - radius
    grid_rows = scale * (lr_shape[0] - 1) + ntap
    grid_cols = scale * (lr_shape[1] - 1) + ntap
    a, b = np.mgrid[0:grid_rows, 0:grid_cols].astype(np.float64)
    coeffs = spline_filter(channel, order=3, mode="nearest")
    frames = []
    for t in transforms:
        px, py = origin + b, origin + a
        w = t[2, 0] * px + t[2, 1] * py + t[2, 2]
        xs = np.clip((t[0, 0] * px + t[0, 1] * py + t[0, 2]) / w, 0, channel.shape[1] - 1)
        ys = np.clip((t[1, 0] * px + t[1, 1] * py + t[1, 2]) / w, 0, channel.shape[0] - 1)
        u = map_coordinates(coeffs, [ys, xs], order=3, mode="nearest", prefilter=False)
        v = correlate1d(u, taps, axis=0, mode="nearest")[radius::scale][:lr_shape[0]]
        y = correlate1d(v, taps, axis=1, mode="nearest")[:, radius::scale][:, :lr_shape[1]]
        frames.append(y)
    return np.stack(frames)


def simulate(hr, scale, n_frames=16, motion="translation", psf_sigma=1.0,
             noise_sigma=2 / 255, outlier_frames=0, seed=None):
    """Simulate ``n_frames`` shifted, blurred, noisy low-resolution frames of ``hr``.

    Parameters
    ----------
    hr : ndarray, shape (H, W) or (H, W, C)
        The scene, uint8 / uint16 or float in [0, 1]; ``H`` and ``W`` must be
        multiples of ``scale``.
    scale : int
        Decimation factor.
    n_frames : int
        Number of frames (>= 2); frame 0 is the reference (no motion).
    motion : {'translation', 'affine', 'homography'}
        Motion model of the random motion (see :func:`random_motion`).
    psf_sigma : float
        Standard deviation of the Gaussian PSF, in HR pixels.
    noise_sigma : float
        Standard deviation of the white Gaussian noise, on the [0, 1] scale.
    outlier_frames : int
        How many frames (never the reference) carry occluding blocks, as from
        a moving object: three rectangles of 1/8 to 1/4 of the frame side,
        each of a random constant grey level.
    seed : int or None
        Seed of the random motion, noise and outliers.

    Returns
    -------
    frames : ndarray, shape (N, H / scale, W / scale[, C])
        The frames, in the dtype of ``hr`` (values clipped to the valid range).
    motion : ndarray, shape (N, 3, 3)
        The true motion, in the convention of :mod:`classicsr.multiframe.motion`
        (``frame_k(p) = reference(motion[k] p)``, LR pixel coordinates).

    Notes
    -----
    ``y_k = D H W_k x + n_k`` on MATLAB's ``imresize`` grid: LR pixel ``i``
    sees HR coordinate ``(i + 0.5) scale - 0.5``. To keep clear of the
    "inverse crime", the warp interpolates ``hr`` with cubic splines (as a
    smooth continuous scene), whereas the reconstruction model uses bilinear
    interpolation; the PSF and decimation are the same Gaussian and grid.

    Examples
    --------
    >>> import numpy as np
    >>> from classicsr.multiframe import simulate
    >>> frames, motion = simulate(np.zeros((32, 32)), 2, n_frames=4, seed=0)
    >>> frames.shape, motion.shape
    ((4, 16, 16), (4, 3, 3))
    """
    hr = check_image(hr, "hr", allow_alpha=False)
    scale = check_integer_scale(scale)
    n_frames = check_int(n_frames, "n_frames", minimum=2)
    model = check_model(motion, "motion")
    psf_sigma = check_real(psf_sigma, "psf_sigma", minimum=0)
    noise_sigma = check_real(noise_sigma, "noise_sigma", minimum=0)
    # at most n_frames - 1: the reference frame stays clean
    outlier_frames = check_int(outlier_frames, "outlier_frames", minimum=0,
                               maximum=n_frames - 1)
    if hr.shape[0] % scale or hr.shape[1] % scale:
        raise ValueError(
            f"hr of shape {hr.shape[:2]} is not a multiple of scale={scale}; "
            "crop it with classicsr.modcrop first"
        )
    rng = np.random.default_rng(seed)
    lr_shape = (hr.shape[0] // scale, hr.shape[1] // scale)
    true_motion = random_motion(n_frames, model, lr_shape, rng)
    x = to_unit(hr)
    channels = x[:, :, None] if x.ndim == 2 else x
    transforms = lr_to_hr(true_motion, scale)
    taps = gaussian_psf_taps(psf_sigma)
    frames = np.stack([_observe(channels[:, :, c], transforms, taps, scale, lr_shape)
                       for c in range(channels.shape[2])], axis=-1)
    frames += rng.normal(0.0, noise_sigma, frames.shape) if noise_sigma else 0.0
    for k in rng.choice(np.arange(1, n_frames), outlier_frames, replace=False):
        for _ in range(3):
            bh = rng.integers(lr_shape[0] // 8, lr_shape[0] // 4 + 1)
            bw = rng.integers(lr_shape[1] // 8, lr_shape[1] // 4 + 1)
            top = rng.integers(0, lr_shape[0] - bh + 1)
            left = rng.integers(0, lr_shape[1] - bw + 1)
            frames[k, top:top + bh, left:left + bw] = rng.random(frames.shape[-1])
    frames = np.clip(frames, 0.0, 1.0)
    if hr.ndim == 2:
        frames = frames[..., 0]
    return from_unit(frames, hr.dtype), true_motion


#: Side (HR pixels) of the moving object of :func:`simulate_local`, and the
#: range of its speed (HR pixels per frame): issue 16's local-motion setting.
OBJECT_SIZE = 48
OBJECT_SPEED = (1.0, 3.0)


class LocalMotion(NamedTuple):
    """What :func:`simulate_local` returns."""

    #: ``(N, h, w)`` frames, in the dtype of ``hr``.
    frames: np.ndarray
    #: ``(H, W)`` float64 ground truth in [0, 1]: the scene as the reference
    #: frame (frame 0) sees it, object included.
    truth: np.ndarray
    #: ``(N, h, w, 2)`` true displacement ``(dx, dy)`` in LR pixels:
    #: ``frame_k(p) = reference(p + flow[k, p])`` (see :mod:`.motion`).
    flow: np.ndarray
    #: ``(N, 3, 3)`` the scene's global motion (the background's).
    motion: np.ndarray
    #: ``(H, W)`` bool: the object's pixels in the ground truth.
    object_mask: np.ndarray
    #: ``(N, h, w)`` bool: LR pixels whose point of the scene the object
    #: hides in the reference frame (no correspondence there).
    occluded: np.ndarray
    #: ``(2,)`` the object's velocity ``(vx, vy)``, HR pixels per frame.
    velocity: np.ndarray


def _observe_local(background, texture, transform, corner, taps, scale, lr_shape):
    """One frame of :func:`simulate_local`: the background warped by ``transform``
    (HR coordinates) with the object's top-left corner at ``corner`` (x, y),
    blurred and decimated; also whether each LR pixel centre is on the object."""
    from scipy.ndimage import correlate1d, map_coordinates

    ntap = taps.size
    radius = (ntap - 1) // 2
    origin = (scale - 1) / 2.0 - radius
    grid_rows = scale * (lr_shape[0] - 1) + ntap
    grid_cols = scale * (lr_shape[1] - 1) + ntap
    a, b = np.mgrid[0:grid_rows, 0:grid_cols].astype(np.float64)
    px, py = origin + b, origin + a
    t = transform
    w = t[2, 0] * px + t[2, 1] * py + t[2, 2]
    xs = np.clip((t[0, 0] * px + t[0, 1] * py + t[0, 2]) / w, 0, background.shape[1] - 1)
    ys = np.clip((t[1, 0] * px + t[1, 1] * py + t[1, 2]) / w, 0, background.shape[0] - 1)
    u = map_coordinates(background, [ys, xs], order=3, mode="nearest", prefilter=False)
    # object coordinates; its texture is padded by one zero-alpha ring so that
    # the edge is antialiased (bilinear alpha) and the inside cubic
    size = texture.shape[0]
    ox, oy = px - corner[0], py - corner[1]
    alpha = np.clip(np.minimum(np.minimum(ox + 1.0, size - ox), np.minimum(oy + 1.0, size - oy)),
                    0.0, 1.0)
    inside = alpha > 0
    obj = map_coordinates(texture, [np.clip(oy[inside], 0, size - 1),
                                    np.clip(ox[inside], 0, size - 1)],
                          order=3, mode="nearest", prefilter=False)
    u[inside] = alpha[inside] * obj + (1 - alpha[inside]) * u[inside]
    v = correlate1d(u, taps, axis=0, mode="nearest")[radius::scale][:lr_shape[0]]
    y = correlate1d(v, taps, axis=1, mode="nearest")[:, radius::scale][:, :lr_shape[1]]
    centres = alpha[radius::scale, radius::scale][:lr_shape[0], :lr_shape[1]] > 0.5
    return y, centres


def simulate_local(hr, scale, n_frames=16, *, object_size=OBJECT_SIZE,
                   speed=OBJECT_SPEED, psf_sigma=1.0, noise_sigma=2 / 255, seed=None):
    """Simulate frames of a scene that moves as a whole, with an object moving on its own.

    The background is ``hr`` moved by a random translation per frame (as
    :func:`simulate` with ``motion='translation'``); over it, a square
    textured object of ``object_size`` HR pixels (a crop of ``hr`` turned a
    quarter turn, so it has the scene's statistics but not its content at
    that place) drifts in a straight line at a random speed in ``speed``
    (HR pixels per frame) and a random direction, staying inside the
    frame. Then blur, decimation and noise as in :func:`simulate`.

    Parameters
    ----------
    hr : ndarray, shape (H, W)
        Greyscale scene, uint8 / uint16 or float in [0, 1]; ``H`` and ``W``
        multiples of ``scale`` and large enough for the object's path.
    scale : int
        Decimation factor.
    n_frames : int
        Number of frames (>= 2); frame 0 is the reference.
    object_size : int
        Side of the object, HR pixels (>= 4).
    speed : tuple of float
        ``(low, high)`` range of the object's speed, HR pixels per frame.
    psf_sigma, noise_sigma : float
        As for :func:`simulate`.
    seed : int or None
        Seed of the motion, the object (texture, start, velocity) and the noise.

    Returns
    -------
    LocalMotion
        ``frames``, ``truth`` (the HR scene of the reference frame),
        ``flow`` (true displacements, LR pixels), ``motion`` (the
        background's), ``object_mask``, ``occluded`` and ``velocity``.

    Notes
    -----
    The object's edge is antialiased (its coverage of each sample point,
    bilinear); its texture and the background are cubic splines, whereas the
    reconstruction samples bilinearly (no "inverse crime"). ``flow`` is the
    object's displacement ``-k v / scale`` at LR pixels whose centre is on
    the object in frame ``k``, the background's elsewhere.

    Examples
    --------
    >>> import numpy as np
    >>> sim = simulate_local(np.random.default_rng(0).random((128, 128)), 2, 4, seed=0)
    >>> sim.frames.shape, sim.flow.shape, sim.truth.shape, int(sim.object_mask.sum())
    ((4, 64, 64), (4, 64, 64, 2), (128, 128), 2304)
    """
    from scipy.ndimage import spline_filter

    hr = check_image(hr, "hr", allow_alpha=False)
    if hr.ndim != 2:
        raise ValueError(f"hr must be a greyscale (H, W) image, got shape {hr.shape}")
    scale = check_integer_scale(scale)
    n_frames = check_int(n_frames, "n_frames", minimum=2)
    object_size = check_int(object_size, "object_size", minimum=4)
    if (not isinstance(speed, (tuple, list)) or len(speed) != 2
            or not 0 <= check_real(speed[0], "speed[0]") <= check_real(speed[1], "speed[1]")):
        raise ValueError(f"speed must be a (low, high) pair with 0 <= low <= high, got "
                         f"{speed!r}")
    psf_sigma = check_real(psf_sigma, "psf_sigma", minimum=0)
    noise_sigma = check_real(noise_sigma, "noise_sigma", minimum=0)
    if hr.shape[0] % scale or hr.shape[1] % scale:
        raise ValueError(
            f"hr of shape {hr.shape[:2]} is not a multiple of scale={scale}; "
            "crop it with classicsr.modcrop first"
        )
    height, width = hr.shape
    travel = speed[1] * (n_frames - 1)
    if min(height, width) < object_size + travel + 8:
        raise ValueError(
            f"hr of shape {hr.shape} is too small for an object of {object_size} px moving "
            f"up to {travel:g} px: each side must be at least {object_size + travel + 8:g}")
    rng = np.random.default_rng(seed)
    lr_shape = (height // scale, width // scale)
    motion = random_motion(n_frames, "translation", lr_shape, rng)
    x = to_unit(hr)
    # the object: a quarter-turned crop of the scene
    top, left = (rng.integers(0, n - object_size + 1) for n in (height, width))
    texture = np.rot90(x[top:top + object_size, left:left + object_size]).copy()
    angle = rng.uniform(0.0, 2.0 * np.pi)
    velocity = rng.uniform(*speed) * np.array([np.cos(angle), np.sin(angle)])
    path = velocity * (n_frames - 1)
    # integer start, so that the ground truth's object is the texture itself
    lows = [4 + max(0.0, -d) for d in path]
    highs = [n - object_size - 4 - max(0.0, d) for n, d in zip((width, height), path)]
    start = np.array([np.floor(rng.uniform(lo, hi)) for lo, hi in zip(lows, highs)])
    transforms = lr_to_hr(motion, scale)
    taps = gaussian_psf_taps(psf_sigma)
    coeffs_bg = spline_filter(x, order=3, mode="nearest")
    coeffs_obj = spline_filter(texture, order=3, mode="nearest")
    frames = np.empty((n_frames,) + lr_shape)
    on_object = np.empty((n_frames,) + lr_shape, dtype=bool)
    for k in range(n_frames):
        frames[k], on_object[k] = _observe_local(coeffs_bg, coeffs_obj, transforms[k],
                                                 start + k * velocity, taps, scale, lr_shape)
    if noise_sigma:
        frames += rng.normal(0.0, noise_sigma, frames.shape)
    frames = np.clip(frames, 0.0, 1.0)
    truth = x.copy()
    sy, sx = int(start[1]), int(start[0])
    truth[sy:sy + object_size, sx:sx + object_size] = texture
    object_mask = np.zeros(hr.shape, dtype=bool)
    object_mask[sy:sy + object_size, sx:sx + object_size] = True
    # true flow: the background's (P_k p - p), or the object's (-k v / scale)
    rows, cols = np.mgrid[0:lr_shape[0], 0:lr_shape[1]].astype(np.float64)
    flow = np.empty((n_frames,) + lr_shape + (2,))
    occluded = np.zeros((n_frames,) + lr_shape, dtype=bool)
    offset = (scale - 1) / 2.0
    for k in range(n_frames):
        flow[k, ..., 0] = motion[k, 0, 2]
        flow[k, ..., 1] = motion[k, 1, 2]
        flow[k][on_object[k]] = -k * velocity / scale
        # background points the object hides in the reference frame
        bx = (cols + motion[k, 0, 2]) * scale + offset
        by = (rows + motion[k, 1, 2]) * scale + offset
        hidden = ((bx > sx - 0.5) & (bx < sx + object_size - 0.5)
                  & (by > sy - 0.5) & (by < sy + object_size - 0.5))
        occluded[k] = hidden & ~on_object[k]
    return LocalMotion(from_unit(frames, hr.dtype), truth, flow, motion, object_mask,
                       occluded, velocity)


def synthetic_chart(n=256):
    """A test chart of ``n`` x ``n`` pixels in [0, 1]: a zone plate, bars, a gradient, stripes.

    The zone plate ``0.5 + 0.4 cos(2 pi 40 r^2)`` (``r`` in units of the
    side) fills the chart, its local frequency rising to about 0.16 cycles
    per pixel at the sides' midpoints; the top quarter holds bars of period
    6 pixels (left) and a ramp (right), the bottom-left quarter diagonal
    stripes of period about 6 pixels. A band-limited scene of full contrast
    at every frequency it holds, unlike a photograph: with the camera and
    coins crops, the third tuning image of the multi-frame defaults
    (``benchmarks/bench_multiframe.py --tune``) and of the blind PSF width.
    """
    n = check_int(n, "n", minimum=8)
    yy, xx = np.mgrid[0:n, 0:n] / n
    r = np.hypot(xx - 0.5, yy - 0.5)
    img = 0.5 + 0.4 * np.cos(2 * np.pi * 40 * r ** 2)
    cols = np.arange(n)[None, :]
    bars = np.where((cols // 3) % 2, 0.15, 0.85)
    img[: n // 4] = np.where(cols < n / 2, bars, xx[: n // 4])
    img[3 * n // 4:, : n // 2] = np.where(((xx + yy)[3 * n // 4:, : n // 2] * 30 % 1) < 0.5,
                                          0.2, 0.8)
    return np.clip(img, 0, 1)
