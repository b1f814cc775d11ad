"""Example-based single-image SR: Zeyde, GR, ANR, NE+LLE, A+ (and their training)."""

from .zeyde import ZeydeDictionary

__all__ = ["ZeydeDictionary"]
