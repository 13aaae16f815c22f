"""PyTorch peer of bench/jacobian.bench.mjs: batched input Jacobians of the logits, by the three routes a PyTorch
user has, on a fixed number of threads.

Routes (each returns the n×C×(input dims) Jacobian of the logits for a batch x):
  vmap_jacrev     functorch.vmap(jacrev(f)) with f one point's logits
  per_class       one forward, then one backward per class of the batch-summed logit, autograd.grad(out[:, c].sum(),
                  x, retain_graph=True); the C gradients stacked (n×C×...)
  batched_grads   one forward, then torch.autograd.grad(out, x, grad_outputs=one-hot cotangents C×n×C,
                  is_grads_batched=True); the result is PyTorch's C×n×... tensor returned as a transposed view
                  (no copy into n×C×... order: the route is timed as PyTorch hands it out)

Threads: the caller sets OPENBLAS_NUM_THREADS and OMP_NUM_THREADS before Python starts (OpenBLAS reads them at
load) and passes the same count here for torch.set_num_threads. OPENBLAS_CORETYPE / ONEDNN_MAX_CPU_ISA, when
set, choose the BLAS and oneDNN kernels; blas_info() reports what was loaded.

Usage: python3 torch_jacobian.py THREADS REPEATS BUDGET_SECONDS DIR [DIR ...]
Prints one JSON line: {"blas": {...}, "threads": t, "workloads": [{"dir", "n", "routes": {route: {"seconds",
"samples", "relDiff"} or {"error"}}, "fastest"}]}. seconds = median over the timed repeats (after one warm-up
call); timing stops after REPEATS calls or once BUDGET_SECONDS are spent (at least 2 calls). relDiff = max |J − J_foliate|
/ max |J_foliate| against DIR/J.npy when it exists.
"""
import gc
import json
import os
import sys
import time

import numpy as np
import torch
from functorch import jacrev, vmap

from torch_net import blas_info, load_workload, median, to_nhwc


def vmap_jacrev(net, x):
    return vmap(jacrev(lambda xi: net(xi.unsqueeze(0))[0]))(x)


def per_class(net, x):
    x = x.detach().requires_grad_(True)
    out = net(x)
    C = out.shape[1]
    grads = [torch.autograd.grad(out[:, c].sum(), x, retain_graph=c < C - 1)[0] for c in range(C)]
    return torch.stack(grads, 1)


def batched_grads(net, x):
    x = x.detach().requires_grad_(True)
    out = net(x)
    n, C = out.shape
    onehots = torch.eye(C, dtype=out.dtype).unsqueeze(1).expand(C, n, C)
    (g,) = torch.autograd.grad(out, x, grad_outputs=onehots, is_grads_batched=True)
    return g.transpose(0, 1)


ROUTES = {"vmap_jacrev": vmap_jacrev, "per_class": per_class, "batched_grads": batched_grads}


def time_route(route, net, x, repeats, budget):
    J = route(net, x)  # warm-up (functorch and oneDNN set up their kernels on the first call)
    times = []
    spent = 0.0
    while len(times) < repeats and (len(times) < 2 or spent < budget):
        t0 = time.perf_counter()
        J = route(net, x)
        times.append(time.perf_counter() - t0)
        spent += times[-1]
    return J, times


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
                J, times = time_route(route, net, x, repeats, budget)
                entry = {"seconds": median(times), "samples": len(times)}
                if ours is not None:
                    entry["relDiff"] = float(np.abs(to_nhwc(J, shape) - ours).max() / max(np.abs(ours).max(), 1e-30))
                routes[name] = entry
                del J
            except Exception as e:  # a route PyTorch cannot run on this net is reported, not fatal
                routes[name] = {"error": f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"[:300]}
            gc.collect()
        timed = {k: v["seconds"] for k, v in routes.items() if "seconds" in v}
        results.append({"dir": folder, "n": int(x.shape[0]), "routes": routes, "fastest": min(timed, key=timed.get) if timed else None})
    print(json.dumps({"blas": blas_info(), "threads": threads, "workloads": results}))


if __name__ == "__main__":
    main()
