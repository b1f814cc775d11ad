"""Self-example super-resolution: the input image is its own example set.

* :mod:`~classicsr.self_examples.selfexsr`: SelfExSR (Huang, Singh & Ahuja,
  CVPR 2015), transformed self-exemplars found by a generalised PatchMatch;
* :mod:`~classicsr.self_examples.patchmatch`: the PatchMatch nearest-neighbour
  field (Barnes et al. 2009, with SelfExSR's transformed patches) as a
  reusable function;
* :mod:`~classicsr.self_examples.glasner`: super-resolution from a single
  image (Glasner, Bagon & Irani, ICCV 2009), patch recurrence within and
  across scales.
"""

from .glasner import glasner
from .selfexsr import selfexsr

__all__ = ["glasner", "selfexsr"]
