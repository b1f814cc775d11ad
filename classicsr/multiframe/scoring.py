"""Scoring a reconstruction of a real sequence, which has no ground truth.

:func:`leave_one_out_score` leaves frame ``k`` out of the reconstruction,
predicts it from the result through its estimated motion and the PSF
(``y_k ~ D H W_k x``, the observation model of
:mod:`classicsr.multiframe.operators`) and compares the prediction with the
real frame ``k``. The same prediction made from the bicubic upscale of the
reference frame is the baseline: a reconstruction that adds real detail
predicts an unseen frame better than one frame's interpolation does. This
is the cross-validation used to choose and check multi-frame
regularisation on real data (e.g. Nguyen, Milanfar & Golub, "A
computationally efficient superresolution image reconstruction algorithm",
IEEE TIP 10(4), 2001, generalised cross-validation; Farsiu et al., IEEE
TIP 13(10), 2004, judge real sequences by eye only).
"""

from typing import NamedTuple

import numpy as np

from .._image import to_unit
from .._validation import check_choice, check_int, check_integer_scale, check_real

__all__ = ["LeaveOneOut", "leave_one_out_score"]

#: Margin (LR pixels) kept from the reference frame's border when scoring: a
#: predicted pixel whose motion takes it closer to the border than this (or
#: outside) is not scored (the reconstruction knows nothing there).
BORDER_MARGIN = 2.0
#: Flow confidence below which a pixel is not scored (``motion='flow'``).
CONFIDENCE_FLOOR = 0.5


class LeaveOneOut(NamedTuple):
    """The result of :func:`leave_one_out_score`.

    Attributes
    ----------
    psnr : float
        PSNR (dB, luminance on [0, 1]) of frame ``left_out`` predicted from
        the reconstruction made without it.
    bicubic_psnr : float
        PSNR of the same prediction from the bicubic upscale of the
        reference frame.
    left_out, reference : int
        The frame left out and the reference frame (indices in ``frames``).
    psf_sigma : float
        The PSF width of the reconstruction and the predictions (the
        estimate when ``psf_sigma=None`` was given).
    scored_fraction : float
        Fraction of the pixels of frame ``left_out`` that were scored.
    """

    psnr: float
    bicubic_psnr: float
    left_out: int
    reference: int
    scored_fraction: float
    psf_sigma: float = 1.0

    @property
    def gain(self):
        """``psnr - bicubic_psnr`` (dB): positive when the reconstruction predicts better."""
        return self.psnr - self.bicubic_psnr


def _psnr(a, b, mask):
    mse = float(np.mean((a[mask] - b[mask]) ** 2))
    return float("inf") if mse == 0 else 10.0 * np.log10(1.0 / mse)


def leave_one_out_score(frames, scale, left_out, *, reference=None, method="l1btv",
                        motion="translation", psf_sigma=1.0, model="blur-first",
                        n_threads=None, **options):
    """Predict a frame left out of the reconstruction; PSNR against the real frame.

    The motion of every frame (``left_out`` included) to ``reference`` is
    estimated on the luminance; the luminance of the other frames is
    reconstructed by ``method`` with that motion; frame ``left_out`` is
    predicted as ``D H W_k x`` (its motion, the PSF, decimation) from the
    result and, as the baseline, from the bicubic upscale of the reference
    frame. Pixels whose motion leaves the reference frame (within
    :data:`BORDER_MARGIN` LR pixels of its border) and, with
    ``motion='flow'``, pixels of confidence below :data:`CONFIDENCE_FLOOR`
    are not scored.

    Parameters
    ----------
    frames : sequence of ndarray, or ndarray of shape (N, h, w[, 3])
        At least three frames (grey or RGB; colour frames are scored on the
        Y of MATLAB's ``rgb2ycbcr``).
    scale : int
        Upscaling factor of the reconstruction.
    left_out : int
        Index of the frame to leave out and predict.
    reference : int, optional
        Index of the reference frame, other than ``left_out``; default the
        middle frame ``N // 2`` (or the one before it when that is ``left_out``).
    method, motion, psf_sigma, model, n_threads, **options
        As :func:`~classicsr.multiframe.reconstruct`; ``motion`` is a model
        name (the motion is estimated here). ``psf_sigma=None`` estimates
        the PSF from the frames other than ``left_out`` and predicts
        ``left_out`` with that estimate.

    Returns
    -------
    LeaveOneOut
        ``psnr``, ``bicubic_psnr`` (and their ``gain``), the frames used
        and the fraction of pixels scored.

    Raises
    ------
    TypeError, ValueError
        Fewer than three frames, ``left_out`` or ``reference`` out of range
        or equal, a bad method, option or motion model.

    Examples
    --------
    >>> from skimage import data
    >>> from classicsr.multiframe import leave_one_out_score, simulate
    >>> frames, _ = simulate(data.camera()[100:228, 100:228], 2, n_frames=6, seed=0)
    >>> score = leave_one_out_score(frames, 2, left_out=4, reference=0)
    >>> bool(score.gain > 0)
    True
    """
    from ..resize import imresize
    from .frames import check_frames, stack_luminance
    from .motion import MOTION_CHOICES, apply
    from .operators import FLOW_OPERATORS, OPERATORS
    from .reconstruction import (
        _check_n_threads,
        _estimate_psf_sigma,
        _resolve_motion,
        reconstruct,
    )

    stack = check_frames(frames)
    n = stack.shape[0]
    if n < 3:
        raise ValueError(f"frames must hold at least 3 frames to leave one out and still "
                         f"reconstruct from two, got {n}")
    scale = check_integer_scale(scale)
    left_out = check_int(left_out, "left_out", minimum=0, maximum=n - 1)
    if reference is None:
        reference = n // 2 if left_out != n // 2 else n // 2 - 1
    reference = check_int(reference, "reference", minimum=0, maximum=n - 1)
    if reference == left_out:
        raise ValueError(f"reference and left_out must differ, got {reference} for both")
    motion = check_choice(motion, "motion", MOTION_CHOICES)
    psf_sigma = check_real(psf_sigma, "psf_sigma", minimum=0, allow_none=True)
    model = check_choice(model, "model", OPERATORS)

    luminance = stack_luminance(to_unit(stack))
    matrices, flow, confidence = _resolve_motion(motion, luminance, reference, False)
    keep = [k for k in range(n) if k != left_out]
    kept_reference = keep.index(reference)
    h, w = luminance.shape[1:]
    if psf_sigma is None:  # estimated without the frame left out, then used for its prediction
        psf_sigma = _estimate_psf_sigma(
            luminance[keep], matrices[keep], scale, kept_reference, model,
            None if flow is None else flow[keep], None if flow is None else confidence[keep],
            _check_n_threads(n_threads))
    if flow is None:
        x = reconstruct(luminance[keep], scale, method=method, motion=matrices[keep],
                        psf_sigma=psf_sigma, reference=kept_reference, model=model,
                        n_threads=n_threads, **options)
        operator = OPERATORS[model](matrices[left_out:left_out + 1], (h, w), scale, psf_sigma)
        rows, cols = np.mgrid[0:h, 0:w]
        points = np.column_stack([cols.ravel(), rows.ravel()]).astype(np.float64)
        moved = apply(matrices[left_out], points).reshape(h, w, 2)
        mask = np.ones((h, w), dtype=bool)
    else:
        x = reconstruct(luminance[keep], scale, method=method, motion=flow[keep],
                        weights=confidence[keep], psf_sigma=psf_sigma,
                        reference=kept_reference, model=model, n_threads=n_threads, **options)
        operator = FLOW_OPERATORS[model](flow[left_out:left_out + 1], (h, w), scale, psf_sigma)
        rows, cols = np.mgrid[0:h, 0:w]
        moved = np.stack([cols, rows], axis=-1) + flow[left_out]
        mask = confidence[left_out] >= CONFIDENCE_FLOOR
    m = BORDER_MARGIN
    mask &= ((moved[..., 0] >= m) & (moved[..., 0] <= w - 1 - m)
             & (moved[..., 1] >= m) & (moved[..., 1] <= h - 1 - m))
    if not mask.any():
        raise ValueError(f"frame {left_out} shares no pixel with reference frame {reference} "
                         "under the estimated motion; leave out a frame nearer the reference")
    bicubic = imresize(luminance[reference], output_shape=operator.hr_shape)
    target = luminance[left_out]
    predicted = operator.forward(np.ascontiguousarray(x, dtype=np.float64))[0]
    baseline = operator.forward(np.ascontiguousarray(bicubic, dtype=np.float64))[0]
    return LeaveOneOut(_psnr(predicted, target, mask), _psnr(baseline, target, mask), left_out,
                       reference, float(mask.mean()), float(psf_sigma))
