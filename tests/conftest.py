"""Session-wide test settings."""
from __future__ import annotations

import torch

# The tests run many small tensor operations; intra-op threads only contend on a 2-core machine (and
# more so when it is shared). Results do not depend on the thread count: every path is exact.
torch.set_num_threads(1)
