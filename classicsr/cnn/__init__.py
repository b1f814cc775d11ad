"""CNN baselines (SRCNN, FSRCNN, ESPCN): trained with torch, run with ONNX Runtime.

Inference (:mod:`classicsr.cnn._onnx`, :mod:`classicsr.cnn.baselines`)
needs only ``onnxruntime`` (``pip install "classicsr[onnx]"``); training and
export (:mod:`classicsr.cnn.networks`, :mod:`classicsr.cnn.train`,
:mod:`classicsr.cnn.export`) need the ``train`` extra (torch, onnx). Nothing
here is imported by ``import classicsr`` except the registry entries, which
load onnxruntime on first use.
"""
