"""Multi-frame super-resolution: many shifted low-resolution frames -> one sharper image.

* :func:`simulate` -- synthetic sequences ``y_k = D H W_k x + n_k`` with known
  motion (translation, affine, homography) and optional outlier frames;
* :func:`register` -- sub-pixel registration (phase correlation + coarse-to-
  fine ECC, robust to occlusions);
* :func:`reconstruct` -- shift-and-add, IBP, POCS, MAP (Tikhonov / Huber /
  bilateral TV) and robust L1 + bilateral TV, on grey or colour frames;
* :func:`read_frames` -- frames from a video file or a folder of images;
* :func:`upscale_video` -- every frame of a video from its neighbours
  (sliding window), written as a video or a folder of frames;
* :func:`leave_one_out_score` -- how well a reconstruction predicts a real
  frame left out of it (sequences without ground truth);
* :func:`estimate_flow`, :func:`simulate_local` -- dense motion, and
  sequences where an object moves on its own;
* :func:`motion_error` -- RMS registration error against a known motion.

The motion convention is described in :mod:`classicsr.multiframe.motion`,
the observation operators in :mod:`classicsr.multiframe.operators`, the
solvers in :mod:`classicsr.multiframe.solvers` and the methods (with how
their default parameters were chosen) in :mod:`classicsr.multiframe.algorithms`.
Importing this package is cheap: Numba, SciPy and OpenCV are imported when
first needed.
"""

from .flow import estimate_flow
from .io import read_frames
from .motion import MOTION_MODELS, motion_error
from .reconstruction import reconstruct, upscale_frames
from .registration import register
from .scoring import leave_one_out_score
from .simulation import simulate, simulate_local
from .video import upscale_video

__all__ = ["MOTION_MODELS", "estimate_flow", "leave_one_out_score", "motion_error",
           "read_frames", "reconstruct", "register", "simulate", "simulate_local",
           "upscale_frames", "upscale_video"]
