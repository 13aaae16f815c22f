"""The PyTorch side of the benchmark peers: a Foliate model as a torch module, its points, and the BLAS facts.

Foliate's benchmarks write each workload to a folder (see bench/torchPeer.mjs):
  spec.json   {"inputShape": [d] or [H, W, C], "nodes": [{"type", "inputs", geometry, "weights": {name: file}}]}
              nodes in topological order, `inputs` are node indices (-1 = the data input), exactly the
              normalized graph of `Model.layers` (src/model/types.ts): conv2d pads [top, left, bottom, right],
              strides, dilations, groups; pooling pads, ceilMode, countIncludePad; activation and alpha.
  *.npy       float32 weights in Foliate's layout: dense kernel [in, out], conv kernel [kh, kw, inC/groups, outC],
              biases and batch-norm vectors [C]
  X.npy       float32 points, n×d, images flattened NHWC (Foliate's layout)

`GraphNet` evaluates that graph the way a PyTorch user's module would: NCHW tensors, F.conv2d (oneDNN on this
build), F.linear (OpenBLAS sgemm), F.batch_norm in eval mode, weights as buffers that need no gradient. The one
concession to Foliate's layout is the flatten: channels move last before flattening so that the dense weights
(and the Jacobian's columns after `to_nhwc`) agree with Foliate's.
"""
import ctypes
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

ACTIVATIONS = {
    "linear": lambda x, a: x,
    "relu": lambda x, a: F.relu(x),
    "leakyRelu": lambda x, a: F.leaky_relu(x, 0.3 if a is None else a),
    "sigmoid": lambda x, a: torch.sigmoid(x),
    "tanh": lambda x, a: torch.tanh(x),
    "softplus": lambda x, a: F.softplus(x),
}


def _flatten_nhwc(x):
    """[N, C, H, W] -> [N, H*W*C] in Foliate's NHWC order; flat inputs pass through."""
    return x.permute(0, 2, 3, 1).reshape(x.shape[0], -1) if x.dim() == 4 else x


def _symmetric(pads, what):
    top, left, bottom, right = pads
    if top != bottom or left != right:
        raise NotImplementedError(f"{what} with asymmetric pads {pads} is not in the benchmark peers")
    return (top, left)


class GraphNet(torch.nn.Module):
    """The network graph of spec.json; forward(x) takes NCHW images (or n×d vectors) and returns the logits."""

    def __init__(self, folder, spec, dtype=torch.float32):
        super().__init__()
        self.nodes = spec["nodes"]
        for i, node in enumerate(self.nodes):
            for name, file in node.get("weights", {}).items():
                w = torch.from_numpy(np.load(os.path.join(folder, file)).astype(np.float64)).to(dtype)
                if node["type"] == "dense" and name == "kernel":
                    w = w.T.contiguous()  # [out, in] for F.linear
                elif node["type"] == "conv2d" and name == "kernel":
                    w = w.permute(3, 2, 0, 1).contiguous()  # [outC, inC/groups, kh, kw]
                self.register_buffer(f"n{i}_{name}", w)

    def w(self, i, name):
        return getattr(self, f"n{i}_{name}")

    def forward(self, x):
        values = []
        for i, node in enumerate(self.nodes):
            ins = [x if j < 0 else values[j] for j in node["inputs"]]
            t = node["type"]
            if t == "dense":
                y = F.linear(_flatten_nhwc(ins[0]), self.w(i, "kernel"), self.w(i, "bias"))
            elif t == "conv2d":
                top, left, bottom, right = node["pads"]
                v = ins[0]
                if top != bottom or left != right:
                    v, pad = F.pad(v, (left, right, top, bottom)), (0, 0)
                else:
                    pad = (top, left)
                y = F.conv2d(v, self.w(i, "kernel"), self.w(i, "bias"), tuple(node["strides"]), pad, tuple(node["dilations"]), node["groups"])
            elif t == "maxPool2d":
                y = F.max_pool2d(ins[0], tuple(node["poolSize"]), tuple(node["strides"]), _symmetric(node["pads"], t), ceil_mode=node["ceilMode"])
            elif t == "avgPool2d":
                y = F.avg_pool2d(ins[0], tuple(node["poolSize"]), tuple(node["strides"]), _symmetric(node["pads"], t), ceil_mode=node["ceilMode"], count_include_pad=node["countIncludePad"])
            elif t == "globalAvgPool2d":
                y = ins[0].mean(dim=(2, 3))
            elif t == "batchNorm":
                y = F.batch_norm(ins[0], self.w(i, "mean"), self.w(i, "variance"), self.w(i, "gamma"), self.w(i, "beta"), False, 0.0, node["epsilon"])
            elif t == "add":
                y = ins[0]
                for v in ins[1:]:
                    y = y + v
            elif t == "concat":
                y = torch.cat(ins, dim=1)  # channels: dim 1 in NCHW
            elif t == "flatten":
                y = _flatten_nhwc(ins[0])
            elif t == "activation":
                y = ins[0]
            else:
                raise NotImplementedError(f"node type {t}")
            act = node.get("activation", "linear")
            values.append(ACTIVATIONS[act](y, node.get("alpha")))
        return values[-1]


def load_workload(folder, dtype=torch.float32):
    """(net, x, shape): the module, the points as a contiguous NCHW (or n×d) tensor, Foliate's input shape."""
    spec = json.load(open(os.path.join(folder, "spec.json")))
    net = GraphNet(folder, spec, dtype).eval()
    shape = spec["inputShape"]
    X = np.load(os.path.join(folder, "X.npy")).astype(np.float64)
    x = torch.from_numpy(X).to(dtype)
    if len(shape) == 3:
        h, w, c = shape
        x = x.reshape(-1, h, w, c).permute(0, 3, 1, 2).contiguous()
    return net, x, shape


def to_nhwc(J, shape):
    """An n×C×(input dims) Jacobian as n×C×d with columns in Foliate's NHWC order (numpy, float64)."""
    J = J.detach()
    if len(shape) == 3:
        J = J.permute(0, 1, 3, 4, 2)
    return J.reshape(J.shape[0], J.shape[1], -1).double().numpy()


def blas_info():
    """Which BLAS this process loaded (from /proc/self/maps) and, for OpenBLAS, its core and threads."""
    libs = sorted({line.split()[-1] for line in open("/proc/self/maps") if ("blas" in line or "lapack" in line) and "/" in line})
    info = {"libraries": libs, "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"), "ONEDNN_MAX_CPU_ISA": os.environ.get("ONEDNN_MAX_CPU_ISA")}
    openblas = [p for p in libs if "libopenblas" in p]
    if openblas:
        lib = ctypes.CDLL(openblas[0])
        lib.openblas_get_corename.restype = ctypes.c_char_p
        lib.openblas_get_config.restype = ctypes.c_char_p
        info["corename"] = lib.openblas_get_corename().decode()
        info["config"] = lib.openblas_get_config().decode()
        info["openblasThreads"] = lib.openblas_get_num_threads()
    capability = [l.split(":", 1)[1].strip() for l in torch.__config__.show().splitlines() if "CPU capability usage" in l]
    info["atenCapability"] = capability[0] if capability else None
    info["torchThreads"] = torch.get_num_threads()
    info["mkldnn"] = torch.backends.mkldnn.is_available()
    info["torch"] = torch.__version__
    return info


def median(xs):
    s = sorted(xs)
    return s[len(s) // 2]
