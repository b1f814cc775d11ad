"""Built-in super-resolution methods; importing this package registers them."""

from . import interpolation  # noqa: F401
