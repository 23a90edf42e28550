#!/usr/bin/env python3
"""Generates the .pth fixtures for tst_pth_io (run with Debian's python3-torch 1.13: /usr/bin/python3).

rfdetr_like.pth has the layout of a checkpoint rfdetr's training writes: OrderedDict state dicts (with
_metadata), an argparse.Namespace `args`, AdamW optimizer state (int keys, tuples), a LambdaLR scheduler
state, an int epoch. Plus the corner cases a reader must handle: a one-key dict (SETITEM), tensors sharing
one storage at an offset, a non-contiguous view, a Parameter, bf16/int64/bool/float64 tensors, a scalar
tensor, numpy scalars in args, a big int (LONG1), negative ints, bytes, unicode text, None, nested lists and a set.
Deterministic: same bytes on every run with the same torch.
"""
import argparse
import collections
import os
import sys

import numpy as np
import torch

here = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(7)

model = collections.OrderedDict()
model["class_embed.weight"] = torch.arange(12, dtype=torch.float32).reshape(3, 4) / 8
model["class_embed.bias"] = torch.tensor([-4.59512, 0.5, 1.25], dtype=torch.float32)
model["query_feat.weight"] = torch.randn(6, 4)
model._metadata = collections.OrderedDict([("", {"version": 1}), ("class_embed", {"version": 1})])

ema = collections.OrderedDict((k, v * 2) for k, v in model.items())

base = torch.arange(10, dtype=torch.float32)
shared_a = base[2:6]           # offset 2 into a shared storage
shared_b = base.view(2, 5)     # same storage
noncontig = torch.arange(6, dtype=torch.int64).reshape(2, 3).t()  # stride (1, 3)

args = argparse.Namespace(
    num_classes=3, lr=1e-4, lr_encoder=1.5e-4, amp=True, class_names=["checkbox", "text", "signature"],
    resolution=576, device="cuda", pretrain_weights=None, out_feature_indexes=[3, 6, 9, 12],
    projector_scale=["P4"], dataset_dir="/data/forms", seed=42, big=2 ** 40, neg=-7, ratio=0.5,
    unicode_name="Formulär ✓", extra={"nested": [1, (2, 3)]},
    np_float=np.float64(0.25), np_int=np.int64(-3), np_bool=np.bool_(True),
)

optimizer = {
    "state": {0: {"step": torch.tensor(3.0), "exp_avg": torch.ones(3, 4), "exp_avg_sq": torch.zeros(3, 4)}},
    "param_groups": [
        {"lr": 1e-4, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 1e-4, "amsgrad": False,
         "maximize": False, "foreach": None, "capturable": False, "params": [0]},
        {"lr": 7e-5, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0, "amsgrad": False,
         "maximize": False, "foreach": None, "capturable": False, "params": [1, 2]},
    ],
}
lr_scheduler = {"base_lrs": [1e-4, 7e-5], "last_epoch": 12, "_step_count": 13, "verbose": False,
                "_get_lr_called_within_step": False, "_last_lr": [1e-4, 7e-5], "lr_lambdas": [None]}

checkpoint = {
    "model": model,
    "optimizer": optimizer,
    "lr_scheduler": lr_scheduler,
    "epoch": 11,
    "args": args,
    "ema_model": ema,
    "extras": {
        "one_key": {"only": 1},                      # pickled with SETITEM
        "shared_a": shared_a, "shared_b": shared_b,
        "noncontig": noncontig,
        "param": torch.nn.Parameter(torch.tensor([1.5, -2.5])),
        "bf16": torch.tensor([1.0, -2.0, 0.5], dtype=torch.bfloat16),
        "bools": torch.tensor([True, False, True]),
        "f64": torch.tensor([[1e-300, 3.5]], dtype=torch.float64),
        "scalar": torch.tensor(2.5),
        "empty": torch.zeros(0, 4),
        "blob": b"\x00\x01\xfe\xffok",
        "a_set": {3},
        "nothing": None,
        "nested": [[1, 2], [], ["x", 1.5, False]],
    },
}
torch.save(checkpoint, os.path.join(here, "rfdetr_like.pth"))
print("wrote", os.path.join(here, "rfdetr_like.pth"), file=sys.stderr)
