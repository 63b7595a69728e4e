"""HiGHS instances for the hull stage's QPs and LPs, and a solve robust to a shared pool."""

from __future__ import annotations

import highspy

# HiGHS regularises the Hessian by 1e-7 by default, which biases the solution at that level;
# the certificate needs better. Rank-deficient cases that then stall go to the fallback.
QP_REGULARIZATION = 1e-11


def new_highs(time_limit: float) -> highspy.Highs:
    """A silent, single-threaded HiGHS instance for the hull's QPs and LPs (one per process)."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("qp_regularization_value", QP_REGULARIZATION)
    h.setOptionValue("threads", 1)
    return h


def run_highs(h: highspy.Highs) -> None:
    """``h.run()``, robust to a HiGHS thread pool set up elsewhere in the process.

    HiGHS keeps one global thread pool per process, sized by the first solve; an instance
    asking for another size then fails at once ("Not Set"). That happens when other code
    in the same process (a user's own HiGHS model, or a process forked from one) solved
    first. The pool is then rebuilt for this instance and the solve repeated.
    """
    if h.run() == highspy.HighsStatus.kError and (
        h.getModelStatus() == highspy.HighsModelStatus.kNotset
    ):
        highspy.Highs.resetGlobalScheduler(True)
        h.run()
