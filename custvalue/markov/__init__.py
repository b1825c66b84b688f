"""Markov-chain migration models of customer value (Pfeifer & Carraway 2000, "Modeling customer
relationships as Markov chains", Journal of Interactive Marketing 14(2):43-55).

Customers move between a finite set of states (recency classes, or the customer states of
*CRM theory*: potential / target / current / lost / non-customer) with a transition matrix
``P``; each state earns a reward per period.  The package is neutral: :mod:`custvalue.clv`,
:mod:`custvalue.segment` and :mod:`custvalue.switching` all build on it.

One entry point per computation:

* :func:`estimate_transition_matrix` -> :class:`TransitionMatrixResults` (the estimate, with
  confidence intervals; its ``chain`` is a :class:`MarkovChain`);
* :class:`MarkovChain`: value per starting state (:meth:`MarkovChain.value`), state
  distributions, the stationary distribution, times to absorption, simulation;
* :func:`recency_states`: a transaction log -> a panel of recency classes;
* :func:`as_chain`: a chain from a matrix, a chain or an estimate.
"""

from .chain import MarkovChain, as_chain
from .estimation import TransitionMatrixResults, estimate_transition_matrix
from .recency import recency_states

# documented and pickled under the package path (as numpy's set_module does), so that the
# re-export in custvalue.clv is an alias of one canonical name
MarkovChain.__module__ = TransitionMatrixResults.__module__ = __name__

__all__ = ["MarkovChain", "TransitionMatrixResults", "as_chain", "estimate_transition_matrix", "recency_states"]
