"""Python interface to the SpectralDMFT solvers.

Every function runs the ``dmft`` executable once (in a temporary directory that is removed afterwards), reads the
JSON record and CSV files it writes, and returns a dataclass holding numpy arrays, the scalars of the record and a
``to_pandas()`` method. A failing command raises :class:`DMFTError` carrying dmft's one ``Error:`` line.

The executable is found, in this order, from the environment variable ``SPECTRALDMFT_DMFT``, on ``PATH``, or in
``.build/release`` of the repository this package was installed from (or of the current directory).

Modules: :mod:`spectraldmft.network` (random rate networks), :mod:`spectraldmft.pspin` (spherical p-spin glasses),
:mod:`spectraldmft.ecosystem` (random Lotka–Volterra ecosystems).
Conventions and units are those of docs/PHYSICS.md of the repository (time in units of the unit relaxation time).
"""

from ._runner import DMFTError, Result, Table, find_dmft, run_dmft
from . import ecosystem, network, pspin

__all__ = ["DMFTError", "Result", "Table", "find_dmft", "run_dmft", "ecosystem", "network", "pspin"]
__version__ = "0.2.0"
