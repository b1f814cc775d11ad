"""A fixed-size buffer on the stack for Numba kernels (register tiles).

An array from ``np.empty`` inside a kernel is heap memory that LLVM must
assume other pointers may reach, so a sum kept in it is stored and reloaded
at every step. A buffer of a size known at compile time on the stack
(``alloca``) and indexed with constants after the loops over it are
unrolled is promoted to registers instead: the kernels that sum a small
tile of values over many terms (:func:`classicsr.patches._kernels.stencil_project`,
:func:`classicsr.example_based._kernels.indexed_regression`) keep the tile
in SIMD registers that way, and the coarse anchor search its lane maxima
(:func:`classicsr.example_based._kernels._coarse_probes`). Numba has no
stack arrays of its own; this intrinsic is the smallest way to get one.
"""

from numba import types
from numba.core import cgutils, errors
from numba.extending import intrinsic

__all__ = ["stack_buffer"]


@intrinsic(prefer_literal=True)
def stack_buffer(typingctx, like, size):
    """Pointer to ``size`` uninitialised elements of ``like``'s dtype on the
    stack of the calling function (for ``numba.carray``); ``size`` must be a
    compile-time constant (a literal or a module-level int)."""
    if not isinstance(size, types.IntegerLiteral):
        raise errors.TypingError(f"stack_buffer: size must be a compile-time constant, "
                                 f"got {size}")
    dtype = like.dtype
    count = size.literal_value

    def codegen(context, builder, signature, args):
        return cgutils.alloca_once(builder, context.get_value_type(dtype),
                                   size=context.get_constant(types.intp, count))
    return types.CPointer(dtype)(like, size), codegen
