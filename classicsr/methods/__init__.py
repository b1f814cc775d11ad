"""Built-in super-resolution methods; importing this package registers them."""

from . import interpolation  # noqa: F401
from ..dictionary import methods as _dictionary_methods  # noqa: F401
from ..cnn import methods as _cnn_methods  # noqa: F401  (onnxruntime loaded on first use)
