"""Face hallucination: super-resolution of aligned faces from a set of training faces.

For aligned faces (surveillance, ID photos) the position of a patch in the
face is itself a strong prior: the position-patch methods hallucinate each
patch from the patches at the same position of aligned training faces. All
are registered under the ``face`` kind and used as
``classicsr.upscale(lr_face, 4, method="face_lcr", model="faces.npz")``
with a face set built by ``classicsr train face --images DIR --scale 4
--out faces.npz`` (:class:`FaceSet`; nothing trained on a face database
ships with the package).

* ``face_eigen`` -- Wang & Tang's eigentransformation (2005);
* ``face_ne`` -- neighbour embedding (Chang et al. 2004) on position patches;
* ``face_lsr`` -- Ma et al.'s position-patch least squares (2010);
* ``face_sr`` -- Jung et al.'s position-patch sparse representation (2011);
* ``face_lcr`` -- Jiang et al.'s locality-constrained representation (2014);
* ``face_line`` -- Jiang et al.'s locality-constrained iterative neighbour
  embedding (2014);
* ``face_tlcr`` -- Jiang et al.'s thresholding LcR with context patches and,
  with ``reproducing=5``, reproducing learning (TLcR-RL, 2018).

Modules: :mod:`~classicsr.face.methods` (the methods and their registry
entries), :mod:`~classicsr.face.model` (the face set),
:mod:`~classicsr.face.protocol` (the papers' degradation),
:mod:`~classicsr.face.align` (eye alignment of real photos),
:mod:`~classicsr.face.synthetic` (drawn aligned faces, for tests and demos); private:
``_patches`` (the position-patch grid), ``_solvers`` (batched weight
solvers), ``_kernels`` (Numba).
"""

from . import methods  # noqa: F401  (registers the face_* methods)
from .align import align_face
from .model import FaceSet
from .protocol import degrade_face, evaluate_faces
from .synthetic import synthetic_faces

__all__ = ["FaceSet", "align_face", "degrade_face", "evaluate_faces", "synthetic_faces"]
