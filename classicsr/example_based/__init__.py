"""Example-based single-image SR: the image's patches against learnt examples.

One module per method, each holding its estimator (training), its
reconstruction and its registry entry:

* :mod:`~classicsr.example_based.zeyde` -- Zeyde et al.'s K-SVD dictionary
  (also the dictionary of GR, ANR, NE+LLE, A+ and k-means);
* :mod:`~classicsr.example_based.anr` -- GR and ANR (Timofte et al. 2013);
* :mod:`~classicsr.example_based.lle` -- NE+LLE (Chang et al. 2004);
* :mod:`~classicsr.example_based.aplus` -- A+ (Timofte et al. 2014);
* :mod:`~classicsr.example_based.kmeans` -- clustered regressors;
* :mod:`~classicsr.example_based.scsr` -- ScSR (Yang et al. 2010);
* :mod:`~classicsr.example_based.ia` -- IA, A+ improved by the seven ways of
  Timofte et al. 2016 (with :mod:`~classicsr.example_based.anchor_tree`, the
  large anchor sets and their sub-linear search).

Shared steps are private: ``_pipeline`` (interpolate, features, overlap-add),
``_training_data`` (training pairs), ``_estimator`` (the scikit-learn base
class), ``_kernels`` (Numba).
"""

from . import anr, lle  # noqa: F401  (register GR, ANR, NE+LLE)
from .aplus import APlus
from .ia import ImprovedAPlus
from .kmeans import KMeansRegressors
from .scsr import ScSRDictionary
from .zeyde import ZeydeDictionary

__all__ = ["APlus", "ImprovedAPlus", "KMeansRegressors", "ScSRDictionary", "ZeydeDictionary"]
