#!/usr/bin/env python3
"""Writes events.jsonl: a realistic event stream (protocol v1) of a small 2-GPU run that is stopped after
epoch 1 and resumed, for the Studio's plot and attach tests. Deterministic (seeded); rerun to regenerate.

Contents: run 1 = hello, 110 steps (epochs 0-1, 50 steps each + 10 of epoch 2), gpu samples every 5 steps,
eval (regular + EMA, with validation losses) and checkpoint after epochs 0 and 1, one non-finite step (47),
one malformed line, one unknown event type, done "stopped". Run 2 = hello, resumes at step 101 (the last
checkpoint was step 100, so steps 101-110 are replayed), runs to step 150, eval epoch 2, done "finished".
"""
import json, math, random

random.seed(7)
T0 = 1772359000.0
SPE = 50
out = []

def emit(**kw):
    out.append(json.dumps({"v": 1, **kw}, separators=(",", ":")))

def hello(t):
    emit(type="hello", rank=0, world=2, pid=4242, version="0.1.0", run_dir="/runs/demo", t=t,
         config={"model_size": "small", "batch_size": 4, "grad_accum_steps": 2, "num_gpus": 2, "dataset": "demo"})

def step(s, t):
    epoch = (s - 1) // SPE
    decay = math.exp(-s / 60.0)
    ce = 0.45 + 0.8 * decay + random.uniform(-0.03, 0.03)
    bbox = 0.12 + 0.35 * decay + random.uniform(-0.01, 0.01)
    giou = 0.30 + 0.55 * decay + random.uniform(-0.02, 0.02)
    total = ce + 5 * bbox + 2 * giou
    loss = {"total": round(total, 5), "ce": round(ce, 5), "bbox": round(bbox, 5), "giou": round(giou, 5)}
    ev = dict(type="step", epoch=epoch, step=s, t=round(t, 3), lr=1e-4 if epoch < 2 else 1e-5, loss=loss,
              imgs_per_s=round(38 + random.uniform(-3, 3), 2), data_wait_ms=round(2.5 + random.uniform(0, 2), 2),
              step_ms=round(210 + random.uniform(-10, 10), 1), steps_per_epoch=SPE)
    if s == 47:
        ev["loss"]["total"] = None
        ev["nonfinite"] = True
    emit(**ev)

def gpu(t, load):
    emit(type="gpu", t=round(t, 3), host="node1",
         gpus=[{"index": i, "name": "NVIDIA H100 80GB HBM3", "util": min(100, load + 3 * i),
                "mem_used_mb": 61234 + 800 * i, "mem_total_mb": 81559, "temp_c": 60 + i, "power_w": 590 + 9 * i}
               for i in range(2)])

def evaluate(epoch, t):
    base = 0.12 + 0.11 * epoch
    for ema in (False, True):
        m = base + (0.02 if ema else 0.0)
        ev = dict(type="eval", epoch=epoch, ema=ema, map50_95=round(m, 4), map50=round(m + 0.21, 4), t=round(t, 3),
                  per_class={"Text": round(m + 0.03, 4), "CheckBox": round(m - 0.02, 4), "Signature": round(m - 0.05, 4)})
        if not ema:
            ev["loss"] = {"total": round(2.9 - 0.35 * epoch, 4), "ce": round(0.9 - 0.1 * epoch, 4),
                          "bbox": round(0.21 - 0.03 * epoch, 4), "giou": round(0.55 - 0.06 * epoch, 4)}
        emit(**ev)

def checkpoint(epoch, s):
    emit(type="checkpoint", epoch=epoch, step=s, path="checkpoint.pth", has_ema=True, kind="last")

t = T0
hello(t)
for s in range(1, 111):
    t += 0.21
    step(s, t)
    if s % 5 == 0:
        gpu(t, 92 + (s % 7))
    if s == 30:
        out.append('{"v":1,"type":"step","epoch":0,"step":')  # a truncated line: must be skipped and counted
        emit(type="progress", stage="index", item="train", done=1, total=1)
        emit(type="heartbeat", t=t)  # an unknown type: ignored
    if s % SPE == 0:
        t += 4.0
        evaluate(s // SPE - 1, t)
        checkpoint(s // SPE - 1, s)
emit(type="done", status="stopped", exit_code=0)

t += 120.0
hello(t)
for s in range(101, 151):
    t += 0.21
    step(s, t)
    if s % 5 == 0:
        gpu(t, 95)
t += 4.0
evaluate(2, t)
checkpoint(2, 150)
emit(type="done", status="finished", exit_code=0)

with open("events.jsonl", "w") as f:
    f.write("\n".join(out) + "\n")
print(len(out), "lines")
