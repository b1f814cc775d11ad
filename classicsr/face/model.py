"""The trained face set: aligned high-resolution faces and their degraded versions.

Face hallucination methods keep the training faces themselves (not a
dictionary learnt from them): every position-patch method compares the
input's patch with the patches at the same position of all the training
faces. :class:`FaceSet` is that model -- the HR faces of one size, stored
without pickle in an ``.npz`` file by ``classicsr train face --images DIR
--scale 4 --out faces.npz`` -- and derives (and caches) the LR faces by the
papers' degradation (:func:`classicsr.face.degrade_face`) and the patch
stacks each method needs.
"""

import threading
import time

import numpy as np

from .._estimator import check_training_images
from .._validation import check_bool, check_int, check_integer_scale
from ..example_based._estimator import TrainableModel
from ..registry import LEARNED_SCALES
from ._patches import extract, grid
from .protocol import bicubic_face, degrade_trusted

__all__ = ["MIN_FACES", "FaceSet"]

#: Fewest training faces :meth:`FaceSet.fit` accepts (the papers use 360).
MIN_FACES = 10


class FaceSet(TrainableModel):
    """Aligned training faces for face hallucination (all the ``face_*`` methods).

    Parameters
    ----------
    scale : int
        Upscaling factor (the papers: 4, 120 x 100 HR faces, 30 x 25 LR).
    quantize : bool
        Make the LR training faces as MATLAB does on uint8 images (blurred
        and LR faces rounded to grey levels, the papers' protocol); ``False``:
        in double precision throughout.
    random_state : int
        Unused (the model is the faces); kept for the common ``train`` API.
    verbose : bool

    Attributes
    ----------
    hr_ : ndarray, shape (n, H, W)
        The training faces on the 0-255 scale (the luminance of colour faces).

    Notes
    -----
    The faces must be aligned (eyes and mouth at the same pixels) and of one
    size, a multiple of ``scale``. Only the HR faces are stored; the LR
    faces are recomputed when a model is loaded.

    Examples
    --------
    >>> import numpy as np
    >>> from classicsr.face import FaceSet
    >>> rng = np.random.default_rng(0)
    >>> faces = [rng.integers(0, 256, (48, 40), dtype=np.uint8) for _ in range(12)]
    >>> FaceSet(scale=4).fit(faces).lr_shape
    (12, 10)
    """

    method = "face"
    _arrays = ("hr_",)

    def __init__(self, scale=4, quantize=True, random_state=0, verbose=False):
        self.scale = scale
        self.quantize = quantize
        self.random_state = random_state
        self.verbose = verbose

    def fit(self, images):
        """Keep the aligned faces ``images`` (a list, all of one size).

        Raises
        ------
        ValueError
            Fewer than :data:`MIN_FACES` faces, faces of different sizes, or a
            size that ``scale`` does not divide.
        """
        scale = check_integer_scale(self.scale, "scale", allowed=LEARNED_SCALES)
        quantize = check_bool(self.quantize, "quantize")
        start = time.perf_counter()
        faces = check_training_images(images)
        if len(faces) < MIN_FACES:
            raise ValueError(f"too few faces: got {len(faces)}, a face set needs at least "
                             f"{MIN_FACES} aligned faces (the papers use 360)")
        sizes = sorted({f.shape for f in faces})
        if len(sizes) > 1:
            first = faces[0].shape
            odd = next(k for k, f in enumerate(faces) if f.shape != first)
            raise ValueError(f"the faces must all have one size: face 0 is "
                             f"{first[0]}x{first[1]}, face {odd} is "
                             f"{faces[odd].shape[0]}x{faces[odd].shape[1]} (align and crop "
                             "them first, e.g. with classicsr.face.align_face)")
        h, w = sizes[0]
        if h % scale or w % scale:
            raise ValueError(f"scale {scale} does not divide the face size {h}x{w}: crop the "
                             f"faces to a multiple of {scale}")
        hr = np.stack(faces) * 255.0
        if quantize:
            hr = np.round(hr)
        self.hr_ = hr
        self._reset()
        self.n_training_patches_ = len(faces)
        self.training_seconds_ = time.perf_counter() - start
        self._log(f"{len(faces)} faces of {h}x{w}")
        return self

    def _stored(self, name):
        # 8-bit faces are stored exactly as uint8 (a quarter of the size)
        hr = self.hr_
        if self.quantize and hr.min() >= 0 and hr.max() <= 255:
            return hr.astype(np.uint8)
        return hr.astype(np.float32)

    @classmethod
    def from_arrays(cls, arrays, header, path="<model>"):
        model = super().from_arrays(arrays, header, path)
        model._reset()
        return model

    # -- derived data, computed once per model ------------------------------------------

    def _reset(self):
        self._cache = {}
        self._lock = threading.RLock()

    def _cached(self, key, make):
        if not hasattr(self, "_cache"):
            self._reset()
        with self._lock:
            if key not in self._cache:
                self._cache[key] = make()
            return self._cache[key]

    @property
    def hr_shape(self):
        """``(H, W)`` of the training faces."""
        self._check_fitted()
        return tuple(self.hr_.shape[1:])

    @property
    def lr_shape(self):
        """``(H / scale, W / scale)``: the size of the faces the model hallucinates."""
        h, w = self.hr_shape
        return h // self.scale, w // self.scale

    @property
    def n_faces(self):
        """Number of training faces."""
        self._check_fitted()
        return self.hr_.shape[0]

    def lr_faces(self):
        """The LR training faces (0-255 scale), by the papers' degradation."""
        return self._cached("lr", lambda: np.stack(
            [degrade_trusted(f, self.scale, self.quantize) for f in self.hr_]))

    def bicubic_faces(self):
        """The LR training faces upscaled by bicubic interpolation to the HR size."""
        return self._cached("lr_up", lambda: np.stack(
            [bicubic_face(f, self.scale) for f in self.lr_faces()]))

    def position_patches(self, patch, overlap):
        """``(rows, cols, lr, hr)`` of the position-patch grid (HR ``patch``/``overlap``).

        ``lr``: ``(P, n, (patch / scale)**2)``, ``hr``: ``(P, n, patch**2)``;
        ``rows``/``cols`` are the HR first pixels.
        """
        def make():
            s = self.scale
            rows, cols = grid(self.hr_shape, patch, overlap)
            lr = extract(self.lr_faces(), rows // s, cols // s, patch // s)
            hr = extract(self.hr_, rows, cols, patch)
            return rows, cols, lr, hr

        return self._cached(("patches", patch, overlap), make)

    def check_input(self, y):
        """Refuse an LR face whose size is not the model's LR size."""
        if tuple(y.shape) != self.lr_shape:
            h, w = self.lr_shape
            raise ValueError(
                f"the input face is {y.shape[0]}x{y.shape[1]} pixels but this face model "
                f"hallucinates {h}x{w} faces (x{self.scale} to {h * self.scale}x"
                f"{w * self.scale}); align and crop it to {h}x{w} first "
                "(classicsr.face.align_face)")


def check_patch_grid(model, patch, overlap):
    """Check the ``patch``/``overlap`` options against ``model``; return them as ints."""
    patch = check_int(patch, "patch", minimum=1)
    overlap = check_int(overlap, "overlap", minimum=0, maximum=patch - 1)
    s = model.scale
    if patch % s or overlap % s:
        raise ValueError(f"patch ({patch}) and overlap ({overlap}) must be multiples of the "
                         f"scale {s} (LR patches of whole pixels)")
    if patch > min(model.hr_shape):
        raise ValueError(f"patch {patch} is larger than the faces "
                         f"({model.hr_shape[0]}x{model.hr_shape[1]})")
    return patch, overlap


FaceSet.register_family()
