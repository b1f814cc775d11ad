"""Run the SRCNN / FSRCNN / ESPCN ONNX models with ONNX Runtime (no torch here).

A model file is a network with *valid* convolutions plus metadata (method,
scale, context, factor). The image is padded by ``context`` pixels (edge
replication) and cut into tiles that overlap by ``2 * context`` input
pixels; since every output pixel depends only on the input pixels within
``context`` of it, the tiles' outputs put together are the whole-image output.

``providers=None`` picks ``CUDAExecutionProvider`` when ONNX Runtime offers
it (``onnxruntime-gpu``) and ``CPUExecutionProvider`` otherwise. Sessions are
loaded through :func:`classicsr.modelstore.get_model` (one cache for every
model, keyed by file, size, modification time and providers); a model held
in memory (a fitted :class:`~classicsr.cnn.train.CNNTrainer`) is opened by
:func:`load_network_bytes`.
"""

import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .._validation import check_int
from ..resize import imresize

__all__ = ["check_provider_options", "check_tile_size", "CPU", "CUDA",
           "DEFAULT_PROVIDER_OPTIONS", "import_onnxruntime", "INPUT_NAME", "INSTALL_HINT",
           "load_network", "load_network_bytes", "METADATA_KEY", "network_input",
           "OnnxNetwork", "provider_entries", "select_providers"]

CUDA = "CUDAExecutionProvider"
CPU = "CPUExecutionProvider"
#: How to get ONNX Runtime; named in the error raised when it is missing.
INSTALL_HINT = ('pip install "classicsr[onnx]" (or "classicsr[gpu]", onnxruntime-gpu, for '
                "CUDA)")
#: Options passed to ONNX Runtime with a provider unless the caller's
#: ``provider_options`` say otherwise (see :func:`provider_entries`).
#: cuDNN's heuristic choice of convolution algorithm: ONNX Runtime's default
#: (EXHAUSTIVE) benchmarks the algorithms again at every new input shape, which
#: over Set14 (14 sizes) cost 28-71 ms per image against 6-20 ms here; once a
#: size has been seen the exhaustive choice takes 10-27 % less time (H200,
#: ``benchmarks/check_cnn_cuda.py --algo-search``). For many images of one
#: size pass ``provider_options={"CUDAExecutionProvider":
#: {"cudnn_conv_algo_search": "EXHAUSTIVE"}}`` to the method.
DEFAULT_PROVIDER_OPTIONS = {CUDA: {"cudnn_conv_algo_search": "HEURISTIC"}}
#: Key of the JSON metadata that :mod:`classicsr.cnn.export` writes into the model.
METADATA_KEY = "classicsr"
INPUT_NAME = "input"


def import_onnxruntime():
    """``onnxruntime``, or a ``ModuleNotFoundError`` that says which extra to install."""
    try:
        import onnxruntime
    except ImportError as exc:
        raise ModuleNotFoundError(
            f"the CNN methods (srcnn, fsrcnn, espcn) run with ONNX Runtime, which is not "
            f"installed: {INSTALL_HINT}", name="onnxruntime") from exc
    return onnxruntime


def select_providers(providers=None):
    """The ONNX Runtime execution providers to use, checked.

    Parameters
    ----------
    providers : None, str or sequence of str
        ``None``: CUDA when available, else CPU. Otherwise provider names, in
        order of preference, each of which must be available.

    Returns
    -------
    list of str
        The providers, with ``CPUExecutionProvider`` appended as the fallback
        for operators another provider does not implement.

    Raises
    ------
    TypeError
        If ``providers`` is not None, a string or a sequence of strings.
    ValueError
        If it is empty or names a provider this ONNX Runtime does not offer.
    """
    ort = import_onnxruntime()
    available = list(ort.get_available_providers())
    if providers is None:
        return [CUDA, CPU] if CUDA in available else [CPU]
    if isinstance(providers, str):
        providers = [providers]
    elif not isinstance(providers, (list, tuple)):
        raise TypeError(f"providers must be None, a string or a list of strings, got "
                        f"{type(providers).__name__}")
    if not providers:
        raise ValueError("providers must name at least one execution provider, got an "
                         f"empty {type(providers).__name__}; available: {', '.join(available)}")
    for name in providers:
        if not isinstance(name, str):
            raise TypeError(f"providers must hold strings, got {type(name).__name__} {name!r}")
        if name not in available:
            raise ValueError(f"providers: {name!r} is not available in this ONNX Runtime "
                             f"(onnxruntime {ort.__version__}); available: "
                             f"{', '.join(available)}")
    chosen = list(dict.fromkeys(providers))
    if CPU not in chosen:
        chosen.append(CPU)
    return chosen


def check_provider_options(provider_options):
    """``provider_options`` checked: None or ``{provider name: {option: value}}``."""
    if provider_options is None:
        return {}
    if not isinstance(provider_options, dict) or not all(
            isinstance(k, str) and isinstance(v, dict) for k, v in provider_options.items()):
        raise TypeError("provider_options must be None or a dict {provider name: {option: "
                        f"value}}, got {provider_options!r}")
    return {k: dict(v) for k, v in provider_options.items()}


def provider_entries(providers, provider_options=None):
    """``providers`` as ONNX Runtime takes them: a name, or (name, options) for
    the providers with options (:data:`DEFAULT_PROVIDER_OPTIONS` updated by
    ``provider_options``)."""
    entries = []
    for name in providers:
        options = {**DEFAULT_PROVIDER_OPTIONS.get(name, {}),
                   **(provider_options or {}).get(name, {})}
        entries.append((name, options) if options else name)
    return entries


def check_tile_size(tile_size, default):
    """``tile_size`` (LR pixels) checked: ``None`` gives ``default``, else an integer >= 1."""
    if tile_size is None:
        return default
    return check_int(tile_size, "tile_size", minimum=1)


def network_input(y, method, scale, context):
    """The padded float32 network input for the LR luminance ``y`` in [0, 1].

    SRCNN sees the MATLAB-bicubic upscaled image, FSRCNN and ESPCN the LR image; either
    is padded by ``context`` pixels with edge replication. Training uses the
    same function, so the borders are treated alike.
    """
    if method == "srcnn":
        y = imresize(y, scale, method="bicubic")
    return np.pad(np.asarray(y, np.float32), context, mode="edge")


@dataclass(frozen=True)
class OnnxNetwork:
    """An ONNX Runtime session of a classicsr CNN and what its metadata says.

    Attributes
    ----------
    session : onnxruntime.InferenceSession
    path : str
    method : str
        ``'srcnn'``, ``'fsrcnn'`` or ``'espcn'``.
    scale : int
    context : int
        Input pixels each side that the valid convolutions consume.
    factor : int
        Output pixels per input pixel (1 for SRCNN, ``scale`` for FSRCNN and ESPCN).
    providers : tuple of str
        The providers the session runs with.
    """

    session: object = field(repr=False)
    path: str
    method: str
    scale: int
    context: int
    factor: int
    providers: tuple

    def network_input(self, y):
        """The padded float32 input for the LR luminance ``y`` (see :func:`network_input`)."""
        return network_input(y, self.method, self.scale, self.context)

    def run(self, x, tile):
        """Run the network on the padded input ``x`` in tiles of ``tile`` input pixels.

        Parameters
        ----------
        x : ndarray, shape (h + 2 * context, w + 2 * context), float32
        tile : int
            Side of the tiles in input pixels, before the halo.

        Returns
        -------
        ndarray, shape (factor * h, factor * w), float32
        """
        c, f = self.context, self.factor
        h, w = x.shape[0] - 2 * c, x.shape[1] - 2 * c
        out = np.empty((f * h, f * w), np.float32)
        for r0 in range(0, h, tile):
            r1 = min(r0 + tile, h)
            for c0 in range(0, w, tile):
                c1 = min(c0 + tile, w)
                piece = np.ascontiguousarray(x[r0:r1 + 2 * c, c0:c1 + 2 * c])[None, None]
                result = self.session.run(None, {INPUT_NAME: piece})[0]
                out[f * r0:f * r1, f * c0:f * c1] = result[0, 0]
        return out

    def upscale(self, y, tile_size):
        """Super-resolve the LR luminance ``y`` (float, [0, 1]) in LR tiles of ``tile_size``.

        Returns
        -------
        ndarray, shape (scale * h, scale * w), float64
        """
        tile = tile_size * (self.scale // self.factor)
        return self.run(self.network_input(y), tile).astype(np.float64)


def load_network(path, providers=None, provider_options=None):
    """Load the ONNX model at ``path`` with the chosen providers (not cached: the
    CNN methods load through :func:`classicsr.modelstore.get_model`, which caches).

    Parameters
    ----------
    path : str or Path
        A model written by :func:`classicsr.cnn.export.export_onnx`.
    providers : None, str or sequence of str
        See :func:`select_providers`.
    provider_options : dict, optional
        ``{provider: {option: value}}`` passed to ONNX Runtime, merged over
        :data:`DEFAULT_PROVIDER_OPTIONS` (e.g. ``{"CUDAExecutionProvider":
        {"cudnn_conv_algo_search": "EXHAUSTIVE"}}`` for many images of one
        size).

    Returns
    -------
    OnnxNetwork

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    ValueError
        If the file is not a classicsr ONNX model.
    """
    chosen = tuple(select_providers(providers))
    options = check_provider_options(provider_options)
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such model file: '{path}'")
    return _open_network(str(path), str(path), chosen, options)


def load_network_bytes(data, providers=None, provider_options=None, name="<in memory>"):
    """Load a model held in memory (the bytes of a ``.onnx`` file), as :func:`load_network`.

    Parameters
    ----------
    data : bytes
        The serialised model, e.g. ``CNNTrainer.onnx_model_``
        (:func:`classicsr.cnn.export.onnx_bytes`).
    providers, provider_options
        See :func:`load_network`.
    name : str
        What messages and :attr:`OnnxNetwork.path` call the model.

    Returns
    -------
    OnnxNetwork

    Raises
    ------
    TypeError
        If ``data`` is not bytes.
    ValueError
        If it is not a classicsr ONNX model.
    """
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError(f"data must be the bytes of an ONNX model, got {type(data).__name__}")
    chosen = tuple(select_providers(providers))
    options = check_provider_options(provider_options)
    return _open_network(bytes(data), name, chosen, options)


def _open_network(source, name, chosen, options):
    """An :class:`OnnxNetwork` on ``source`` (a file name or the model's bytes)."""
    ort = import_onnxruntime()
    session_options = ort.SessionOptions()
    session_options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    try:
        session = ort.InferenceSession(source, sess_options=session_options,
                                       providers=provider_entries(chosen, options))
    except Exception as exc:  # onnxruntime raises its own exception types
        raise ValueError(f"'{name}' is not a readable ONNX model ({exc})") from None
    used = list(session.get_providers())
    lost = [provider for provider in chosen if provider not in used]
    if lost:  # ONNX Runtime falls back silently when a provider fails to start
        warnings.warn(f"ONNX Runtime could not start {', '.join(lost)} for '{name}' and runs "
                      f"it with {', '.join(used)}; see ONNX Runtime's log for why (CUDA "
                      "needs onnxruntime-gpu and the CUDA/cuDNN libraries it was built for)",
                      RuntimeWarning, stacklevel=5)
    meta = session.get_modelmeta().custom_metadata_map.get(METADATA_KEY)
    if meta is None:
        raise ValueError(f"'{name}' is not a classicsr CNN model (no '{METADATA_KEY}' "
                         "metadata)")
    meta = json.loads(meta)
    return OnnxNetwork(session=session, path=name, method=meta["method"],
                       scale=int(meta["scale"]), context=int(meta["context"]),
                       factor=int(meta["factor"]), providers=tuple(session.get_providers()))
