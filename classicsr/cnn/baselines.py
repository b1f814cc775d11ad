"""Registry entries ``srcnn``, ``fsrcnn`` and ``espcn``: the CNNs, run with ONNX Runtime.

All work on the Y channel in [0, 1] (``channels='luminance'``) at x2, x3,
x4. ``model=PATH`` runs a model exported by :mod:`classicsr.cnn.export`
(or by :meth:`CNNTrainer.export <classicsr.cnn.train.CNNTrainer.export>`),
``model=trainer`` the network of a fitted
:class:`~classicsr.cnn.train.CNNTrainer`; without either the model shipped in
``classicsr/models`` (sha256-checked) is used; all are loaded through
:func:`classicsr.modelstore.get_model`.
``providers`` picks the ONNX Runtime execution providers (default: CUDA when
available, else CPU), ``provider_options`` their options, ``tile_size`` the
side of the LR tiles the image is processed in (the result does not depend
on it).
"""

import math

from ..modelstore import get_model, register_model_family
from ..registry import LEARNED_SCALES, register_method
from ._onnx import CPU, check_tile_size, load_network, select_providers
from .train import CNNTrainer  # the estimator only: torch is imported by fit

__all__ = ["load_cnn", "upscale_espcn", "upscale_fsrcnn", "upscale_srcnn"]

#: Context of the shipped networks in pixels of their input: SRCNN 9-5-5
#: (HR pixels, 4 + 2 + 2) and FSRCNN(56, 12, 4) (LR pixels, 2 + 4 plus the
#: deconvolution's incomplete border, 2 LR pixels at x2 and 1 at x3, x4).
SRCNN_CONTEXT = 8
FSRCNN_CONTEXT = {2: 8, 3: 7, 4: 7}
#: ESPCN 5-3-3 (LR pixels, 2 + 1 + 1; the sub-pixel shuffle adds none).
ESPCN_CONTEXT = 4
#: Run-time module of the CNN methods and the extra that installs it.
ONNX_RUNTIME = (("onnxruntime", "onnx"),)
#: MATLAB bicubic reads 2 LR pixels each side of an HR pixel.
BICUBIC_SUPPORT = 2
#: LR pixels of context each method needs around a tile (registry ``halo``).
SRCNN_HALO = max(math.ceil(SRCNN_CONTEXT / s) for s in LEARNED_SCALES) + BICUBIC_SUPPORT
FSRCNN_HALO = max(FSRCNN_CONTEXT.values())
ESPCN_HALO = ESPCN_CONTEXT
#: Default LR tile sides: bounds the memory of the 64 / 56-channel feature maps.
DEFAULT_TILE = {"srcnn": 128, "fsrcnn": 256, "espcn": 256}
#: Default LR tile sides on a GPU: most images are one tile (each new tile
#: shape costs a cuDNN set-up), feature maps at most ~1 GB.
DEFAULT_TILE_GPU = {"srcnn": 512, "fsrcnn": 1024, "espcn": 1024}


def _adapt_trainer(trainer, providers=None, provider_options=None):
    """The ONNX Runtime network of a fitted :class:`~classicsr.cnn.train.CNNTrainer`."""
    return trainer.onnx_network(providers, provider_options)


for _family in ("srcnn", "fsrcnn", "espcn"):
    register_model_family(_family, suffix=".onnx", load=load_network, model_type=CNNTrainer,
                          estimator=CNNTrainer, adapt=_adapt_trainer)

_OPTIONS = {
    "model": "an ONNX model file from classicsr.cnn.export or a fitted CNNTrainer "
             "(default: shipped)",
    "providers": "ONNX Runtime execution providers (default: CUDA when available, else CPU)",
    "provider_options": "{provider: {option: value}} for ONNX Runtime (e.g. cuDNN's "
                        "algorithm search)",
    "tile_size": "side of the LR tiles (default 128/256 on CPU, 512/1024 on GPU); the "
                 "result does not depend on it",
}


def load_cnn(method, scale, model=None, providers=None, provider_options=None):
    """The (cached) ONNX network of ``method`` at ``scale``, through the model store."""
    return get_model(method, scale, model, providers=tuple(select_providers(providers)),
                     provider_options=provider_options)


def _run(method, y, scale, model, providers, provider_options, tile_size):
    network = load_cnn(method, scale, model, providers, provider_options)
    default = (DEFAULT_TILE if network.providers[0] == CPU else DEFAULT_TILE_GPU)[method]
    return network.upscale(y, check_tile_size(tile_size, default))


@register_method("srcnn", description="SRCNN 9-5-5 CNN on the bicubic Y (ONNX Runtime)",
                 reference="C. Dong, C. C. Loy, K. He, X. Tang, ECCV 2014 / IEEE TPAMI 2016",
                 scales=LEARNED_SCALES, model="srcnn", halo=SRCNN_HALO, channels="luminance",
                 requires=ONNX_RUNTIME, options=_OPTIONS,
                 # bytes per output pixel, x2, CPU: tracemalloc 16.2, RSS 23.5 (ONNX
                 # Runtime's buffers; benchmarks/bench_memory.py --per-method)
                 memory=24)
def upscale_srcnn(y, scale, model=None, providers=None, provider_options=None,
                  tile_size=None):
    """SRCNN (9-5-5, trained on T91 by ``data/recipes/train_cnn.py``), run with ONNX Runtime."""
    return _run("srcnn", y, scale, model, providers, provider_options, tile_size)


@register_method("fsrcnn", description="FSRCNN(56,12,4) CNN on the LR Y (ONNX Runtime)",
                 reference="C. Dong, C. C. Loy, X. Tang, ECCV 2016",
                 scales=LEARNED_SCALES, model="fsrcnn", halo=FSRCNN_HALO, channels="luminance",
                 requires=ONNX_RUNTIME, options=_OPTIONS,
                 # bytes per output pixel, x2, CPU: tracemalloc 12.0, RSS 39.9 (ONNX
                 # Runtime's buffers; benchmarks/bench_memory.py --per-method)
                 memory=40)
def upscale_fsrcnn(y, scale, model=None, providers=None, provider_options=None,
                   tile_size=None):
    """FSRCNN (d=56, s=12, m=4, trained on T91 by ``data/recipes/train_cnn.py``), ONNX Runtime."""
    return _run("fsrcnn", y, scale, model, providers, provider_options, tile_size)



@register_method("espcn", description="ESPCN 5-3-3 sub-pixel CNN on the LR Y (ONNX Runtime)",
                 reference="W. Shi, J. Caballero, F. Huszar, J. Totz, A. P. Aitken, R. Bishop, "
                           "D. Rueckert, Z. Wang, CVPR 2016",
                 scales=LEARNED_SCALES, model="espcn", halo=ESPCN_HALO, channels="luminance",
                 requires=ONNX_RUNTIME, options=_OPTIONS,
                 # bytes per output pixel, x2, CPU: tracemalloc 12.0, RSS 28.3 (ONNX
                 # Runtime's buffers; benchmarks/bench_memory.py's per-method run; x3: 19.7)
                 memory=29)
def upscale_espcn(y, scale, model=None, providers=None, provider_options=None,
                  tile_size=None):
    """ESPCN (5-3-3, 64/32 filters, sub-pixel shuffle; trained on T91 by
    ``data/recipes/train_cnn.py``), run with ONNX Runtime."""
    return _run("espcn", y, scale, model, providers, provider_options, tile_size)


_PARAMETERS = """

    Parameters
    ----------
    y : ndarray, shape (h, w), float
        LR luminance in [0, 1].
    scale : {{2, 3, 4}}
    model : str, Path or CNNTrainer, optional
        An ONNX model from :func:`classicsr.cnn.export.export_onnx` (or
        ``CNNTrainer.export``), or a fitted
        :class:`~classicsr.cnn.train.CNNTrainer`; default the shipped one.
    providers : None, str or list of str
        ONNX Runtime execution providers; default CUDA when available, else CPU.
    provider_options : dict, optional
        ``{{provider: {{option: value}}}}``, over
        :data:`classicsr.cnn._onnx.DEFAULT_PROVIDER_OPTIONS`.
    tile_size : int, optional
        Side of the LR tiles (default {tile} on CPU, {gpu} on a GPU); the result
        does not depend on it.
    """
for _function, _method in ((upscale_srcnn, "srcnn"), (upscale_fsrcnn, "fsrcnn"),
                           (upscale_espcn, "espcn")):
    _function.__doc__ = (_function.__doc__ or "") + _PARAMETERS.format(
        tile=DEFAULT_TILE[_method], gpu=DEFAULT_TILE_GPU[_method])
