"""Simulated low-resolution sequences: ``y_k = D H W_k x + n_k`` with known motion."""

import numpy as np

from .._image import from_unit, to_unit
from .._validation import check_image, check_int, check_integer_scale, check_real
from .motion import check_model, lr_to_hr, translations
from .operators import gaussian_psf_taps

__all__ = ["MAX_PERSPECTIVE", "MAX_ROTATION", "MAX_SHIFT", "MAX_ZOOM", "random_motion",
           "simulate"]

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
