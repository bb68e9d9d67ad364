"""chainrule's HTTP layer: translates requests to engine calls and back."""

import os

# The app scales by workers and replicas, and its arrays are small: one BLAS thread per worker
# avoids threads fighting over the cores (a 1000×32 @ 32×32 product: 8 ms threaded vs 0.12 ms
# single on a loaded 2-core machine). Set before numpy loads; an explicit setting wins.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")
