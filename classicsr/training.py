"""Training entry points shared by the CLI and the recipes."""

from pathlib import Path

from ._validation import check_integer_scale
from .dictionary.aplus import APlus
from .dictionary.kmeans import KMeansRegressors
from .dictionary.scsr import ScSRDictionary
from .dictionary.training_data import load_luminance_images
from .dictionary.zeyde import ZeydeDictionary

#: method -> model class and whether it is built on a Zeyde dictionary.
TRAINABLE = {"zeyde": ZeydeDictionary, "gr": ZeydeDictionary, "anr": ZeydeDictionary,
             "lle": ZeydeDictionary, "aplus": APlus, "kmeans": KMeansRegressors,
             "scsr": ScSRDictionary}


def train_model(method, scale, images, *, seed=0, max_patches=None, ksvd_iter=20,
                dictionary=None, verbose=True, projection_dtype="float32"):
    """Train the model ``method`` needs at ``scale`` on a folder (or list) of images.

    ``gr``, ``anr`` and ``lle`` use the Zeyde dictionary, so training any of
    them trains a :class:`ZeydeDictionary`. ``aplus`` and ``kmeans`` also
    need one (anchors / PCA): pass ``dictionary`` (a fitted model or a path)
    or it is trained first.
    """
    check_integer_scale(scale, allowed=(2, 3, 4))
    if method not in TRAINABLE:
        raise ValueError(f"method {method!r} is not trainable; trainable: "
                         + ", ".join(sorted(TRAINABLE)))
    if isinstance(images, (str, Path)):
        images = load_luminance_images(images)
    if method == "scsr":
        kwargs = {} if max_patches is None else {"n_samples": max_patches}
        return ScSRDictionary(scale, random_state=seed, verbose=verbose, **kwargs).fit(images)
    if TRAINABLE[method] is ZeydeDictionary:
        return ZeydeDictionary(scale, n_iter=ksvd_iter, max_patches=max_patches,
                               random_state=seed, verbose=verbose).fit(images)
    if dictionary is None:
        dictionary = ZeydeDictionary(scale, n_iter=ksvd_iter, random_state=seed,
                                     verbose=verbose).fit(images)
    elif not isinstance(dictionary, ZeydeDictionary):
        dictionary = ZeydeDictionary.load(dictionary)
    kwargs = {} if max_patches is None else {"max_samples": max_patches}
    if method == "kmeans":
        return KMeansRegressors(scale, random_state=seed, verbose=verbose,
                                **kwargs).fit(images, dictionary)
    return APlus(scale, projection_dtype=projection_dtype, verbose=verbose,
                 **kwargs).fit(images, dictionary)
