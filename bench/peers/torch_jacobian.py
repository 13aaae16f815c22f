"""PyTorch peer for bench/jacobian.bench.mjs: the tool a researcher would pick instead of Foliate.

Reads the same network (dense kernels [in, out] and biases, or a CNN given as a tiny JSON layer list) and
points from .npy files written by the benchmark, computes batched input Jacobians of the logits with
functorch.vmap(jacrev(f)) on ONE thread (OPENBLAS_NUM_THREADS=1 and torch.set_num_threads(1)), and prints
JSON: median seconds per batch over the repeats, and the max relative difference to Foliate's Jacobians.
Usage: python3 torch_jacobian.py DIR REPEATS
"""
import json
import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np
import torch
from functorch import jacrev, vmap

torch.set_num_threads(1)
folder, repeats = sys.argv[1], int(sys.argv[2])
spec = json.load(open(os.path.join(folder, "spec.json")))
X = torch.from_numpy(np.load(os.path.join(folder, "X.npy")).astype(np.float32))


def build(spec):
    mods = []
    for i, layer in enumerate(spec["layers"]):
        t = layer["type"]
        if t == "dense":
            k = np.load(os.path.join(folder, f"k{i}.npy")).astype(np.float32)
            b = np.load(os.path.join(folder, f"b{i}.npy")).astype(np.float32)
            lin = torch.nn.Linear(k.shape[0], k.shape[1])
            lin.weight.data = torch.from_numpy(k.T.copy())
            lin.bias.data = torch.from_numpy(b)
            mods.append(lin)
        elif t == "conv2d":
            k = np.load(os.path.join(folder, f"k{i}.npy")).astype(np.float32)  # kh, kw, inC, outC
            b = np.load(os.path.join(folder, f"b{i}.npy")).astype(np.float32)
            conv = torch.nn.Conv2d(k.shape[2], k.shape[3], (k.shape[0], k.shape[1]), padding=layer["padding"])
            conv.weight.data = torch.from_numpy(k.transpose(3, 2, 0, 1).copy())
            conv.bias.data = torch.from_numpy(b)
            mods.append(conv)
        elif t == "maxPool2d":
            mods.append(torch.nn.MaxPool2d(2))
        elif t == "avgPool2d":
            mods.append(torch.nn.AvgPool2d(2))
        elif t == "flatten":
            # Foliate flattens NHWC; move channels last before flattening so the dense weights agree
            mods.append(torch.nn.Sequential())
            mods[-1].forward = lambda x: x.permute(0, 2, 3, 1).reshape(x.shape[0], -1)
        if layer.get("activation") == "relu":
            mods.append(torch.nn.ReLU())
    return torch.nn.Sequential(*mods)


net = build(spec)
shape = spec["inputShape"]  # [d] or [H, W, C]


def f(x):
    if len(shape) == 3:
        h, w, c = shape
        x = x.reshape(1, h, w, c).permute(0, 3, 1, 2)
    else:
        x = x.reshape(1, -1)
    return net(x)[0]


jac = vmap(jacrev(f))
with torch.no_grad():
    pass
J = jac(X)  # warm-up, n×C×d
times = []
for _ in range(repeats):
    t0 = time.perf_counter()
    J = jac(X)
    times.append(time.perf_counter() - t0)
times.sort()
ours = np.load(os.path.join(folder, "J.npy"))
diff = float(np.abs(J.detach().numpy() - ours).max() / max(np.abs(ours).max(), 1e-30))
print(json.dumps({"seconds": times[len(times) // 2], "relDiff": diff, "torch": torch.__version__}))
