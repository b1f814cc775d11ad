"""Registry entries ``srcnn`` and ``fsrcnn``: the CNN baselines, run with ONNX Runtime.

Both work on the Y channel in [0, 1] (``channels='luminance'``) at x2, x3,
x4. ``model=PATH`` runs a model exported by :mod:`classicsr.cnn.export`;
without it the model shipped in ``classicsr/models`` (sha256-checked) is
used. ``providers`` picks the ONNX Runtime execution providers (default:
CUDA when available, else CPU); ``tile_size`` the side of the LR tiles the
image is processed in (the result does not depend on it).
"""

import math
from pathlib import Path

from ..dictionary.methods import SCALES
from ..modelstore import shipped_model_path
from ..registry import register_method
from .inference import CPU, check_tile_size, load_network, select_providers

#: Context of the shipped networks in pixels of their input: SRCNN 9-5-5
#: (HR pixels, 4 + 2 + 2) and FSRCNN(56, 12, 4) (LR pixels, 2 + 4 plus the
#: deconvolution's incomplete border, 2 LR pixels at x2 and 1 at x3, x4).
SRCNN_CONTEXT = 8
#: Run-time module of the CNN methods and the extra that installs it.
ONNX_RUNTIME = (("onnxruntime", "onnx"),)
FSRCNN_CONTEXT = {2: 8, 3: 7, 4: 7}
#: MATLAB bicubic reads 2 LR pixels each side of an HR pixel.
BICUBIC_SUPPORT = 2
#: LR pixels of context each method needs around a tile (registry ``halo``).
SRCNN_HALO = max(math.ceil(SRCNN_CONTEXT / s) for s in SCALES) + BICUBIC_SUPPORT
FSRCNN_HALO = max(FSRCNN_CONTEXT.values())
#: Default LR tile sides: bounds the memory of the 64 / 56-channel feature maps.
DEFAULT_TILE = {"srcnn": 128, "fsrcnn": 256}
#: Default LR tile sides on a GPU: most images are one tile (each new tile
#: shape costs a cuDNN set-up), feature maps at most ~1 GB.
DEFAULT_TILE_GPU = {"srcnn": 512, "fsrcnn": 1024}


def load_cnn(method, scale, model=None, providers=None):
    """The ONNX network of ``method`` at ``scale``: from ``model`` (a path) or shipped.

    Raises
    ------
    TypeError
        If ``model`` is not a path or None.
    ValueError
        If the file is of another method or scale, or not a classicsr model.
    """
    chosen = select_providers(providers)
    if model is None:
        path, entry = shipped_model_path(method, scale)
        network = load_network(path, chosen, expected_sha256=entry["sha256"])
    elif isinstance(model, (str, Path)):
        network = load_network(model, chosen)
    else:
        raise TypeError(f"model must be a path to an .onnx file or None, got "
                        f"{type(model).__name__}")
    if network.method != method or network.scale != scale:
        raise ValueError(f"model '{network.path}' is {network.method} x{network.scale}, "
                         f"not {method} x{scale}")
    return network


def _run(method, y, scale, model, providers, tile_size):
    network = load_cnn(method, scale, model, providers)
    default = (DEFAULT_TILE if network.providers[0] == CPU else DEFAULT_TILE_GPU)[method]
    return network.upscale(y, check_tile_size(tile_size, default))


@register_method("srcnn", description="SRCNN 9-5-5 CNN on the bicubic Y (ONNX Runtime)",
                 reference="C. Dong, C. C. Loy, K. He, X. Tang, ECCV 2014 / IEEE TPAMI 2016",
                 scales=SCALES, needs_model=True, halo=SRCNN_HALO, channels="luminance",
                 requires=ONNX_RUNTIME)
def upscale_srcnn(y, scale, model=None, providers=None, tile_size=None):
    """SRCNN (9-5-5, trained on T91 by ``data/recipes/train_cnn.py``), run with ONNX Runtime."""
    return _run("srcnn", y, scale, model, providers, tile_size)


@register_method("fsrcnn", description="FSRCNN(56,12,4) CNN on the LR Y (ONNX Runtime)",
                 reference="C. Dong, C. C. Loy, X. Tang, ECCV 2016",
                 scales=SCALES, needs_model=True, halo=FSRCNN_HALO, channels="luminance",
                 requires=ONNX_RUNTIME)
def upscale_fsrcnn(y, scale, model=None, providers=None, tile_size=None):
    """FSRCNN (d=56, s=12, m=4, trained on T91 by ``data/recipes/train_cnn.py``), ONNX Runtime."""
    return _run("fsrcnn", y, scale, model, providers, tile_size)


_PARAMETERS = """
    Parameters
    ----------
    y : ndarray, shape (h, w), float
        LR luminance in [0, 1].
    scale : {{2, 3, 4}}
    model : str or Path, optional
        An ONNX model from :func:`classicsr.cnn.export.export_onnx`; default
        the shipped one.
    providers : None, str or list of str
        ONNX Runtime execution providers; default CUDA when available, else CPU.
    tile_size : int, optional
        Side of the LR tiles (default {tile} on CPU, {gpu} on a GPU); the result
        does not depend on it.
    """
for _function, _method in ((upscale_srcnn, "srcnn"), (upscale_fsrcnn, "fsrcnn")):
    _function.__doc__ += _PARAMETERS.format(tile=DEFAULT_TILE[_method],
                                              gpu=DEFAULT_TILE_GPU[_method])
