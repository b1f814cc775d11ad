"""Export a trained SRCNN / FSRCNN / ESPCN to ONNX and check it against torch (``train`` extra).

The graph takes ``input`` of shape ``(batch, 1, height, width)`` (float32,
any height and width of at least ``2 * context + 1``) and gives ``output`` of
shape ``(batch, 1, factor * (height - 2 * context), factor * (width - 2 *
context))``. The model's metadata (key ``'classicsr'``, JSON) records the
method, scale, context, factor and network hyper-parameters that
:mod:`classicsr.cnn._onnx` needs, so the file is self-describing.
:func:`onnx_bytes` gives the same model in memory (what
:class:`classicsr.cnn.train.CNNTrainer` keeps after ``fit``).
"""

import io
import json
import warnings
from pathlib import Path

import numpy as np

from ..io import atomic_write_bytes
from ._onnx import INPUT_NAME, METADATA_KEY

__all__ = ["check_onnx_matches_torch", "export_onnx", "network_metadata", "onnx_bytes", "OPSET",
           "TOLERANCE"]

#: Default ONNX opset (the issue asks for 17 or newer).
OPSET = 17
#: Largest |ONNX Runtime - torch| accepted on random inputs.
TOLERANCE = 1e-5


def network_metadata(net):
    """The metadata :mod:`classicsr.cnn._onnx` reads from a model file."""
    method = net.method
    scale = net.config.get("scale")
    return {"method": method, "scale": scale, "context": net.context, "factor": net.factor,
            "config": net.config}


def onnx_bytes(net, *, scale=None, opset=OPSET, extra_metadata=None):
    """``net`` (an SRCNN, FSRCNN or ESPCN module) as the bytes of an ONNX model, in memory.

    The bytes are what :func:`export_onnx` writes: load them with
    :func:`classicsr.cnn._onnx.load_network_bytes` or write them to a
    ``.onnx`` file.

    Parameters
    ----------
    net : classicsr.cnn.networks.SRCNN, FSRCNN or ESPCN
    scale : int, optional
        The scale an SRCNN was trained for (FSRCNN and ESPCN know their own).
    opset : int
        ONNX opset, at least 17.
    extra_metadata : dict, optional
        More JSON-serialisable keys for the metadata.

    Returns
    -------
    bytes
    """
    import onnx
    import torch

    if isinstance(opset, bool) or not isinstance(opset, int) or opset < 17:
        raise ValueError(f"opset must be an integer >= 17, got {opset!r}")
    meta = network_metadata(net)
    if meta["method"] == "srcnn":
        if scale is None:
            raise ValueError("scale is required to export an SRCNN (it works on the "
                             "bicubic-upscaled image of a given scale)")
        meta["scale"] = int(scale)
    elif scale is not None and scale != meta["scale"]:
        raise ValueError(f"scale {scale!r} differs from the {meta['method'].upper()}'s own "
                         f"scale {meta['scale']}")
    meta["opset"] = opset
    meta.update(extra_metadata or {})
    net = net.cpu().eval()
    side = 2 * net.context + 16
    dummy = torch.zeros(1, 1, side, side)
    buffer = io.BytesIO()
    # the TorchScript exporter: the dynamo one would add a dependency (onnxscript)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(
            net, (dummy,), buffer, dynamo=False, opset_version=opset,
            input_names=[INPUT_NAME], output_names=["output"],
            dynamic_axes={INPUT_NAME: {0: "batch", 2: "height", 3: "width"},
                          "output": {0: "batch", 2: "out_height", 3: "out_width"}})
    model = onnx.load_from_string(buffer.getvalue())
    entry = model.metadata_props.add()
    entry.key, entry.value = METADATA_KEY, json.dumps(meta, sort_keys=True)
    model.doc_string = (f"classicsr {meta['method']} x{meta['scale']}: valid convolutions, "
                        f"input padded by {meta['context']} px")
    onnx.checker.check_model(model)
    return model.SerializeToString()


def export_onnx(net, path, *, scale=None, opset=OPSET, overwrite=False, check=True,
                extra_metadata=None):
    """Write ``net`` (an SRCNN, FSRCNN or ESPCN module) to ``path`` as ONNX.

    Parameters
    ----------
    net : classicsr.cnn.networks.SRCNN, FSRCNN or ESPCN
    path : str or Path
    scale : int, optional
        The scale an SRCNN was trained for (FSRCNN and ESPCN know their own).
    opset : int
        ONNX opset, at least 17.
    overwrite : bool
        Replace an existing file.
    check : bool
        Run :func:`check_onnx_matches_torch` on the written file.
    extra_metadata : dict, optional
        More JSON-serialisable keys for the metadata.

    Returns
    -------
    float or None
        The largest absolute difference found by the check.
    """
    data = onnx_bytes(net, scale=scale, opset=opset, extra_metadata=extra_metadata)
    path = Path(path)
    atomic_write_bytes(path, data, overwrite=overwrite)
    return check_onnx_matches_torch(net, path) if check else None


def check_onnx_matches_torch(net, path, *, shapes=((1, 37, 45), (2, 30, 26)), seed=0,
                             tolerance=TOLERANCE):
    """Check ONNX Runtime (CPU) gives the torch output to ``tolerance`` on random inputs.

    ``path`` is a model file or the model's bytes (:func:`onnx_bytes`). Each
    shape is ``(batch, rows, cols)`` of the output grid; the input adds the
    network's context.

    Returns
    -------
    float
        The largest absolute difference.

    Raises
    ------
    AssertionError
        If a difference exceeds ``tolerance``.
    """
    import onnxruntime
    import torch

    in_memory = isinstance(path, (bytes, bytearray))
    session = onnxruntime.InferenceSession(bytes(path) if in_memory else str(path),
                                           providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(seed)
    worst = 0.0
    net = net.cpu().eval()
    for batch, rows, cols in shapes:
        x = rng.random((batch, 1, rows + 2 * net.context, cols + 2 * net.context),
                       dtype=np.float32)
        with torch.no_grad():
            expected = net(torch.from_numpy(x)).numpy()
        got = session.run(None, {INPUT_NAME: x})[0]
        if got.shape != expected.shape:
            raise AssertionError(f"ONNX output shape {got.shape} != torch {expected.shape}")
        worst = max(worst, float(np.abs(got - expected).max()))
    if worst > tolerance:
        name = "<in memory>" if in_memory else path
        raise AssertionError(f"'{name}': ONNX Runtime differs from torch by {worst:.3g} "
                             f"> {tolerance:g}")
    return worst
