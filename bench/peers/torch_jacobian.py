"""PyTorch peer of bench/jacobian.bench.mjs: batched input Jacobians of the logits by the three routes of
torch_routes.py (vmap(jacrev), one backward per class, batched one-hot cotangents) on a fixed number of threads.

Threads: the caller sets OPENBLAS_NUM_THREADS and OMP_NUM_THREADS before Python starts (OpenBLAS reads them at
load) and passes the same count here for torch.set_num_threads. OPENBLAS_CORETYPE / ONEDNN_MAX_CPU_ISA, when
set, choose the BLAS and oneDNN kernels; blas_info() reports what was loaded.

Usage: python3 torch_jacobian.py THREADS REPEATS BUDGET_SECONDS DIR [DIR ...]   (folders: see torch_net.py)
Prints one JSON line: {"blas": {...}, "threads": t, "workloads": [{"dir", "n", "routes": {route: {"seconds",
"samples", "relDiff"} or {"error"}}, "fastest"}]}. seconds = median of the timed calls (torch_routes.time_calls);
relDiff = max |J − J_foliate| / max |J_foliate| against DIR/J.npy (Foliate's, n×C×d NHWC) when it exists;
pointsOver = points whose own max |ΔJ| / max |J_foliate| exceeds 1e-5, relDiffOthers = the max over the rest.
"""
import gc
import json
import os
import sys

import numpy as np
import torch

from torch_net import blas_info, load_workload, median, to_nhwc
from torch_routes import ROUTES, error_text, fastest, time_calls


def main():
    threads, repeats, budget = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    torch.set_num_threads(threads)
    results = []
    for folder in sys.argv[4:]:
        net, x, shape = load_workload(folder)
        ref_file = os.path.join(folder, "J.npy")
        ours = np.load(ref_file).astype(np.float64) if os.path.exists(ref_file) else None
        routes = {}
        for name, route in ROUTES.items():
            try:
                (J, _), times = time_calls(lambda: route(net, x), repeats, budget)
                entry = {"seconds": median(times), "samples": len(times)}
                if ours is not None:
                    per_point = np.abs(to_nhwc(J, shape) - ours).reshape(len(ours), -1).max(1) / max(np.abs(ours).max(), 1e-30)
                    entry["relDiff"] = float(per_point.max())
                    entry["pointsOver"] = int((per_point > 1e-5).sum())
                    entry["relDiffOthers"] = float(per_point[per_point <= 1e-5].max()) if (per_point <= 1e-5).any() else None
                routes[name] = entry
                del J
            except Exception as e:  # a route PyTorch cannot run on this net is reported, not fatal
                routes[name] = {"error": error_text(e)}
            gc.collect()
        results.append({"dir": folder, "n": int(x.shape[0]), "routes": routes, "fastest": fastest(routes)})
    print(json.dumps({"blas": blas_info(), "threads": threads, "workloads": results}))


if __name__ == "__main__":
    main()
