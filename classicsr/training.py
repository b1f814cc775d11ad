"""Training entry point shared by the CLI and the recipes: method name -> fitted model.

Which methods can be trained, and by which estimator, comes from the
registry (a method's model family) and the model store (the family's
estimator): GR, ANR and NE+LLE use Zeyde's dictionary, so training any of
them trains a :class:`~classicsr.example_based.ZeydeDictionary`.
"""


from ._validation import check_int, check_integer_scale, check_path
from .modelstore import model_family
from .registry import LEARNED_SCALES, available_methods, get_method

__all__ = ["train_model", "trainable_methods"]


def trainable_methods():
    """``{method: model family}`` of the methods whose models this package can train."""
    return {name: info.model for name, info in available_methods().items()
            if info.model is not None and model_family(info.model).estimator is not None}


def train_model(method, scale, images, *, random_state=0, max_patches=None, verbose=True,
                **params):
    """Train the model ``method`` needs at ``scale`` on a folder (or list) of images.

    Parameters
    ----------
    method : str
        A trainable method (:func:`trainable_methods`).
    scale : int
    images : str, Path or list of ndarray
        A folder of images, or the images (any supported dtype, grey or colour).
    random_state : int
    max_patches : int, optional
        Use at most this many training patches (``n_patches`` for ScSR, which
        samples exactly that many); not for the CNNs.
    verbose : bool
    **params
        Other hyper-parameters of the family's estimator (e.g. ``n_iter``,
        ``dictionary``); a name the estimator does not have is a TypeError.

    Returns
    -------
    The fitted estimator.
    """
    scale = check_integer_scale(scale, allowed=LEARNED_SCALES)
    get_method(method)
    trainable = trainable_methods()
    if method not in trainable:
        raise ValueError(f"method {method!r} is not trainable; trainable: "
                         + ", ".join(sorted(trainable)))
    estimator = model_family(trainable[method]).estimator
    check_int(max_patches, "max_patches", minimum=1, allow_none=True)
    if max_patches is not None:
        key = "n_patches" if "n_patches" in estimator._get_param_names() else "max_patches"
        params[key] = max_patches
    names = set(estimator._get_param_names())
    accepted = names - {"scale", "method"}
    unknown = sorted(set(params) - accepted)
    if unknown:
        raise TypeError(f"{estimator.__name__} has no parameter(s) {', '.join(unknown)}; "
                        f"accepted: {', '.join(sorted(accepted))}")
    init = {"random_state": random_state, "verbose": verbose, **params}
    if "method" in names:  # one estimator for several families (the CNNs)
        init["method"] = trainable[method]
    model = estimator(scale=scale, **init)
    if not isinstance(images, (list, tuple)):
        from .datasets import read_training_images

        images = read_training_images(check_path(images, "images"), paper_luminance=True)
    return model.fit(images)
