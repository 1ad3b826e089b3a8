#!/usr/bin/python3
"""An independent PyTorch implementation of the StRegA cceVAE, for cross-checks from model_test.

It mirrors the authors' module layout (enc/dec with start, middle_blocks [placeholder, ConvModule, ...], end;
ConvModule with conv and activation) so that parameter names match METHOD.md. Run with Debian's python3-torch:

  ccevae_reference.py reconstruct --weights W.safetensors --input X.f32 --output Y.f32 --count N
  ccevae_reference.py torchscript --features 16,32,64,128 --latent 128 --size 128 --seed 3 --out M.pt \
                                  --input X.f32 --output Y.f32 --count N
  ccevae_reference.py torchsave  --features ... --latent ... --size ... --seed 3 --out S.pt [--wrap] [--prefix model.] [--half]
                                  [--input X.f32 --output Y.f32 --count N]

Raw .f32 files are little-endian float32 arrays [count, size, size]. Safetensors is parsed here with json and
numpy only (no safetensors package).
"""
import argparse
import json
import struct
import sys

import numpy as np
import torch
from torch import nn


class ConvModule(nn.Module):
    def __init__(self, cin, cout, kernel, stride, padding, transposed, activation):
        super().__init__()
        op = nn.ConvTranspose2d if transposed else nn.Conv2d
        self.conv = op(cin, cout, kernel, stride=stride, padding=padding, bias=False)
        self.normalization = nn.Identity()
        self.activation = nn.PReLU() if activation else nn.Identity()

    def forward(self, x):
        return self.activation(self.normalization(self.conv(x)))


class Stack(nn.Module):
    def __init__(self, start, middle, end):
        super().__init__()
        self.start = start
        blocks = []
        for m in middle:
            blocks.append(nn.Identity())  # the authors' NoOp block_op
            blocks.append(m)
        self.middle_blocks = nn.ModuleList(blocks)
        self.end = end

    def forward(self, x):
        x = self.start(x)
        for m in self.middle_blocks:
            x = m(x)
        return self.end(x)


class CceVae(nn.Module):
    def __init__(self, features, latent, size):
        super().__init__()
        f = features
        b = size // 16
        self.latent = latent
        self.enc = Stack(ConvModule(1, f[0], 3, 2, 1, False, True),
                         [ConvModule(f[0], f[1], 3, 2, 1, False, True),
                          ConvModule(f[1], f[2], 3, 2, 1, False, True),
                          ConvModule(f[2], f[3], 3, 2, 1, False, True)],
                         ConvModule(f[3], 2 * latent, b, 1, 0, False, False))
        self.dec = Stack(ConvModule(latent, f[3], b, 1, 0, True, True),
                         [ConvModule(f[3], f[2], 4, 2, 1, True, True),
                          ConvModule(f[2], f[1], 4, 2, 1, True, True),
                          ConvModule(f[1], f[0], 4, 2, 1, True, True)],
                         ConvModule(f[0], 1, 4, 2, 1, True, False))

    def forward(self, x):
        h = self.enc(x).flatten(1)
        mu = h[:, : self.latent]
        return self.dec(mu.reshape(mu.shape[0], self.latent, 1, 1))


def read_safetensors(path):
    data = open(path, "rb").read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        assert entry["dtype"] == "F32", entry["dtype"]
        b, e = entry["data_offsets"]
        arr = np.frombuffer(data[base + b:base + e], dtype="<f4").reshape(entry["shape"])
        out[name] = torch.from_numpy(arr.copy())
    return out


def strip(name):
    for p in ("model.", "module."):
        if name.startswith(p):
            name = name[len(p):]
    return name


def model_from_state(state):
    state = {strip(k): v for k, v in state.items()}
    f = [state["enc.start.conv.weight"].shape[0], state["enc.middle_blocks.1.conv.weight"].shape[0],
         state["enc.middle_blocks.3.conv.weight"].shape[0], state["enc.middle_blocks.5.conv.weight"].shape[0]]
    end = state["enc.end.conv.weight"]
    model = CceVae(f, end.shape[0] // 2, end.shape[2] * 16)
    model.load_state_dict(state, strict=True)
    return model


def run(model, args):
    x = np.fromfile(args.input, dtype="<f4")
    side = int(round((x.size // args.count) ** 0.5))
    x = torch.from_numpy(x.reshape(args.count, 1, side, side).copy())
    with torch.no_grad():
        y = model.eval()(x)
    y.numpy().astype("<f4").tofile(args.output)


def build(args):
    torch.manual_seed(args.seed)
    model = CceVae([int(v) for v in args.features.split(",")], args.latent, args.size)
    with torch.no_grad():  # non-default slopes so that a loader that ignores PReLU weights is caught
        for name, p in model.named_parameters():
            if p.dim() == 1:
                p.fill_(0.2 + 0.01 * len(name))
    return model


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("command", choices=["reconstruct", "torchscript", "torchsave"])
    ap.add_argument("--weights")
    ap.add_argument("--input")
    ap.add_argument("--output")
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--features", default="16,32,64,128")
    ap.add_argument("--latent", type=int, default=128)
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out")
    ap.add_argument("--wrap", action="store_true")
    ap.add_argument("--prefix", default="")
    ap.add_argument("--half", action="store_true", help="torchsave: store float16 tensors")
    args = ap.parse_args()
    torch.set_num_threads(1)

    if args.command == "reconstruct":
        model = model_from_state(read_safetensors(args.weights))
        run(model, args)
    elif args.command == "torchscript":
        model = build(args)
        torch.jit.save(torch.jit.script(model), args.out)
        if args.input:
            run(model, args)
    elif args.command == "torchsave":
        model = build(args)
        if args.half:  # round the weights to float16 so that the saved half tensors are exact
            model = model.half().float()
        state = {args.prefix + k: (v.half() if args.half else v) for k, v in model.state_dict().items()}
        if args.wrap:  # the authors' training checkpoint layout
            opt = torch.optim.Adam(model.parameters(), lr=1e-4)
            loss = model(torch.rand(2, 1, args.size, args.size)).abs().mean()
            loss.backward()
            opt.step()
            # the step changed the weights: save what the output below is computed with
            state = {args.prefix + k: v for k, v in model.state_dict().items()}
            torch.save({"state_dict": state, "optimizer": opt.state_dict(), "AMPScaler": {}}, args.out)
        else:
            torch.save(state, args.out)
        if args.input:
            run(model, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
