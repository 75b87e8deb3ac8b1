"""Session-wide test settings: torch threads and the hypothesis profiles.

Hypothesis profiles (tests that pass their own ``@settings`` override single fields, not the profile):

* ``ci`` — loaded when ``CI=true``: ``derandomize=True`` (a fixed seed: the same examples on every run,
  so a red CI run is reproducible), ``print_blob=True`` (a failure prints the ``@reproduce_failure``
  blob), no deadline (a loaded runner must not turn slowness into failures), a modest
  ``max_examples``, no example database (nothing to carry between CI runs);
* ``dev`` — otherwise: random examples with the local ``.hypothesis`` database (failures are replayed
  first next time), the same budget, no deadline;
* ``thorough`` — ``HYPOTHESIS_PROFILE=thorough``: ten times the examples, for a long local run.

``HYPOTHESIS_PROFILE`` names a profile explicitly and wins over ``CI``.
"""
from __future__ import annotations

import os

import torch
from hypothesis import settings

# The tests run many small tensor operations; intra-op threads only contend on a 2-core machine (and
# more so when it is shared). Results do not depend on the thread count: every path is exact.
torch.set_num_threads(1)

MAX_EXAMPLES = 30
settings.register_profile("ci", derandomize=True, print_blob=True, deadline=None, max_examples=MAX_EXAMPLES,
                          database=None)
settings.register_profile("dev", print_blob=True, deadline=None, max_examples=MAX_EXAMPLES)
settings.register_profile("thorough", print_blob=True, deadline=None, max_examples=10 * MAX_EXAMPLES)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") == "true" else "dev"))
