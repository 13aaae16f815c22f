"""The three routes a PyTorch user has to batched input Jacobians of a network's logits, and a call timer.

Each route takes the module and a batch x (NCHW images or n×d vectors) and returns (J, logits): J the n×C×(input
dims) Jacobian of the logits, logits n×C (detached).
  vmap_jacrev     functorch.vmap(jacrev(f, has_aux=True)) with f one point's logits (also returned as the aux)
  per_class       one forward, then one backward per class of the batch-summed logit, autograd.grad(out[:, c].sum(),
                  x, retain_graph=True); the C gradients stacked (n×C×...)
  batched_grads   one forward, then torch.autograd.grad(out, x, grad_outputs=one-hot cotangents C×n×C,
                  is_grads_batched=True); PyTorch's C×n×... result returned as a transposed view (no copy into
                  n×C×... order: the route is timed as PyTorch hands it out)
"""
import time

import torch
from functorch import jacrev, vmap

from torch_net import median


def vmap_jacrev(net, x):
    def point(xi):
        out = net(xi.unsqueeze(0))[0]
        return out, out.detach()

    return vmap(jacrev(point, has_aux=True))(x)


def per_class(net, x):
    x = x.detach().requires_grad_(True)
    out = net(x)
    C = out.shape[1]
    grads = [torch.autograd.grad(out[:, c].sum(), x, retain_graph=c < C - 1)[0] for c in range(C)]
    return torch.stack(grads, 1), out.detach()


def batched_grads(net, x):
    x = x.detach().requires_grad_(True)
    out = net(x)
    n, C = out.shape
    onehots = torch.eye(C, dtype=out.dtype).unsqueeze(1).expand(C, n, C)
    (g,) = torch.autograd.grad(out, x, grad_outputs=onehots, is_grads_batched=True)
    return g.transpose(0, 1), out.detach()


ROUTES = {"vmap_jacrev": vmap_jacrev, "per_class": per_class, "batched_grads": batched_grads}


def time_calls(fn, repeats, budget):
    """(last result, seconds of each timed call): one warm-up call, then up to `repeats` calls, stopping early
    once `budget` seconds are spent (at least 2 calls)."""
    result = fn()  # warm-up (functorch and oneDNN set up their kernels on the first call)
    times = []
    spent = 0.0
    while len(times) < repeats and (len(times) < 2 or spent < budget):
        del result
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
        spent += times[-1]
    return result, times


def fastest(entries):
    """The key of the entry with the least median seconds (entries without `seconds` failed), or None."""
    timed = {k: v["seconds"] for k, v in entries.items() if "seconds" in v}
    return min(timed, key=timed.get) if timed else None


def error_text(e):
    text = str(e).splitlines()[0] if str(e) else ""
    return f"{type(e).__name__}: {text}"[:300]


__all__ = ["ROUTES", "time_calls", "fastest", "error_text", "median"]
