"""PyTorch peer of bench/spectrum.bench.mjs: DIM spectra (eigenvalues only) of a batch, the way a PyTorch user
would compute them, on a fixed number of threads.

Per point the data information matrix D = Jᵀ (diag p − p pᵀ) J (J the C×d logit Jacobian, p the softmax) has
the nonzero eigenvalues of the C×C matrix K = Fᵀ J Jᵀ F with F = diag √p − p √pᵀ (F Fᵀ = diag p − p pᵀ). The
peer takes the batched Jacobian by each route of torch_routes.py, forms G = J Jᵀ and K = Fᵀ G F by torch.bmm, and
takes torch.linalg.eigvalsh of the n C×C matrices; the C − 1 largest, descending, are the spectrum (the C-th is
the null direction 1ᵀF = 0). Every route is timed over the whole pipeline; the fastest is the peer's figure.

With --reference the same pipeline runs once more in float64 (the module's float32 weights widened, the points
widened, the per-class route) and writes DIR/reference.npy (n×(C−1), descending): the float64 reference the
benchmark compares Foliate's spectra with.

Usage: python3 torch_dim.py THREADS REPEATS BUDGET_SECONDS DIR [--reference]
Prints one JSON line: {"blas", "threads", "n", "routes": {route: {"seconds", "samples"} or {"error"}}, "fastest",
"agreement": {"toLargest", "perEigenvalue"} (the fastest route's float32 spectra against reference.npy when it
exists: max |λ − λ_ref| / λ_ref,1 per point, and max |λ − λ_ref| / λ_ref over λ_ref > 1e-20)}.
"""
import gc
import json
import os
import sys

import numpy as np
import torch

from torch_net import blas_info, load_workload, median
from torch_routes import ROUTES, error_text, fastest, time_calls


def spectrum(route, net, x):
    """n×(C−1) eigenvalues of D per point, descending, in x's dtype."""
    J, logits = route(net, x)
    n, C = logits.shape
    J = J.reshape(n, C, -1)
    p = torch.softmax(logits, 1)
    s = p.sqrt()
    F = torch.diag_embed(s) - p.unsqueeze(2) * s.unsqueeze(1)  # F[a, b] = δ_ab √p_a − p_a √p_b
    G = torch.bmm(J, J.transpose(1, 2))  # n×C×C
    K = torch.bmm(torch.bmm(F.transpose(1, 2), G), F)
    return torch.linalg.eigvalsh(K).flip(-1)[:, : C - 1]


def agreement(lam, ref):
    lam = lam.astype(np.float64)
    to_largest = float((np.abs(lam - ref) / ref[:, :1]).max())
    mask = ref > 1e-20
    per = float((np.abs(lam - ref)[mask] / ref[mask]).max()) if mask.any() else 0.0
    return {"toLargest": to_largest, "perEigenvalue": per}


def main():
    threads, repeats, budget, folder = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
    torch.set_num_threads(threads)
    ref_file = os.path.join(folder, "reference.npy")
    if "--reference" in sys.argv[5:]:
        net64, x64, _ = load_workload(folder, torch.float64)
        np.save(ref_file, spectrum(ROUTES["per_class"], net64, x64).numpy())
        del net64, x64
        gc.collect()
    net, x, _ = load_workload(folder)
    routes, spectra = {}, {}
    for name, route in ROUTES.items():
        try:
            lam, times = time_calls(lambda: spectrum(route, net, x), repeats, budget)
            routes[name] = {"seconds": median(times), "samples": len(times)}
            spectra[name] = lam.numpy()
        except Exception as e:  # a route PyTorch cannot run on this net is reported, not fatal
            routes[name] = {"error": error_text(e)}
        gc.collect()
    best = fastest(routes)
    result = {"blas": blas_info(), "threads": threads, "n": int(x.shape[0]), "routes": routes, "fastest": best}
    if best and os.path.exists(ref_file):
        result["agreement"] = agreement(spectra[best], np.load(ref_file))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
