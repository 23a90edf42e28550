#!/usr/bin/env python3
# Generates tests/data/rfdetr/criterion_grads.pth (see criterion_grads.md) by running the upstream rfdetr
# SetCriterion and HungarianMatcher on the recorded train outputs of tiny_io.pth.
#   python3 gen_criterion_grads.py <dir holding an rfdetr checkout's rfdetr/ package> tiny_io.pth out.pth
# Needs Debian's python3-torch and python3-scipy. Only rfdetr/models/{lwdetr,matcher}.py and
# rfdetr/util/{box_ops,misc}.py are imported; the model-building modules and torchvision are stubbed, and
# the package __init__ files of the checkout must be empty (copy those four files into a fresh folder).
# This script is ours; no upstream code is stored in this repository.
import sys, types, torch
tv = types.ModuleType("torchvision"); tv.__version__ = "0.14.1"
ops = types.ModuleType("torchvision.ops"); boxes = types.ModuleType("torchvision.ops.boxes")
boxes.box_area = lambda b: (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
tv.ops = ops; ops.boxes = boxes
sys.modules.update({"torchvision": tv, "torchvision.ops": ops, "torchvision.ops.boxes": boxes})
for name, attrs in {"rfdetr.models.backbone": ["build_backbone"], "rfdetr.models.transformer": ["build_transformer"],
                    "rfdetr.models.segmentation_head": ["SegmentationHead", "calculate_uncertainty",
                     "get_uncertain_point_coords_with_randomness", "point_sample"]}.items():
    m = types.ModuleType(name)
    for a in attrs: setattr(m, a, None)
    sys.modules[name] = m
sys.path.insert(0, sys.argv[1])
from rfdetr.models.matcher import HungarianMatcher
from rfdetr.models.lwdetr import SetCriterion

io = torch.load(sys.argv[2])
counts = io["targets/counts"].tolist(); labels = io["targets/labels"]; tboxes = io["targets/boxes_cxcywh"]
targets, at = [], 0
for n in counts:
    targets.append({"labels": labels[at:at + n], "boxes": tboxes[at:at + n]}); at += n
leaves = {}
def leaf(key):
    t = io[key].clone().requires_grad_(True); leaves[key] = t; return t
outputs = {"pred_logits": leaf("train/pred_logits"), "pred_boxes": leaf("train/pred_boxes"),
           "aux_outputs": [{"pred_logits": leaf(f"train/aux_outputs/{i}/pred_logits"),
                            "pred_boxes": leaf(f"train/aux_outputs/{i}/pred_boxes")} for i in range(2)],
           "enc_outputs": {"pred_logits": leaf("train/enc_outputs/pred_logits"),
                           "pred_boxes": leaf("train/enc_outputs/pred_boxes")}}
weight_dict = {k: io[f"weight_dict/{k}"] for k in io["weight_dict/keys_in_order"].split("\n")}
matcher = HungarianMatcher(cost_class=2, cost_bbox=5, cost_giou=2, focal_alpha=0.25)
crit = SetCriterion(4, matcher=matcher, weight_dict=weight_dict, focal_alpha=0.25,
                    losses=["labels", "boxes", "cardinality"], group_detr=3, ia_bce_loss=True)
crit.train()
ld = crit(outputs, targets)
total = sum(ld[k] * weight_dict[k] for k in ld.keys() if k in weight_dict)
for k in io["losses/keys_in_order"].split("\n"):
    assert torch.equal(ld[k], io[f"losses/{k}"]), (k, ld[k], io[f"losses/{k}"])
assert torch.equal(total, io["losses/weighted_total"])
total.backward()
out = {"format": "rfdetr-criterion-grads-v1", "source": "rfdetr SetCriterion (ia_bce) + HungarianMatcher at 35ac6ab, "
       "inputs tiny_io.pth train/* and targets/*; grad/* = d(weighted_total)/d(output); bf16/losses/* = the loss "
       "dict with bf16 logits under the emulated CUDA autocast policy"}
for key, t in leaves.items():
    out["grad/" + key] = t.grad.detach().clone()
# The same step with bf16 logits under the CUDA autocast policy (rfdetr-spec.md §6.4), emulated on the CPU:
# pow runs in float32 (it is on autocast's fp32 list), sigmoid / logsigmoid stay in bf16, promotion does the rest.
_pow = torch.Tensor.pow
def pow32(self, *a, **k):
    return _pow(self.float() if self.dtype == torch.bfloat16 else self, *a, **k)
torch.Tensor.pow = pow32
torch.Tensor.__pow__ = pow32
bf = {"pred_logits": io["train/pred_logits"].bfloat16(), "pred_boxes": io["train/pred_boxes"],
      "aux_outputs": [{"pred_logits": io[f"train/aux_outputs/{i}/pred_logits"].bfloat16(),
                       "pred_boxes": io[f"train/aux_outputs/{i}/pred_boxes"]} for i in range(2)],
      "enc_outputs": {"pred_logits": io["train/enc_outputs/pred_logits"].bfloat16(),
                      "pred_boxes": io["train/enc_outputs/pred_boxes"]}}
ld_bf = crit(bf, targets)
for k, v in ld_bf.items():
    assert v.dtype == torch.float32, (k, v.dtype)
    out["bf16/losses/" + k] = v.detach().clone()
out["bf16/losses/weighted_total"] = sum(ld_bf[k] * weight_dict[k] for k in ld_bf.keys() if k in weight_dict).detach()
torch.save(out, sys.argv[3])
print("ok", {k: float(v.abs().sum()) for k, v in out.items() if k.startswith(("grad/", "bf16/"))})
