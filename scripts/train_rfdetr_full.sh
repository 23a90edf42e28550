#!/usr/bin/env bash
# train_rfdetr_full.sh — drop-in replacement for the CommonForms guide's script, running RF-DETR Studio's
# C++ trainer. Same environment variables and defaults as the guide:
#   NUM_GPUS=1  RESUME_CHECKPOINT=""(path|auto)  BATCH_SIZE=24 (per GPU)  GRAD_ACCUM_STEPS=1  MODEL_SIZE=medium
#   EPOCHS=30  LEARNING_RATE=1e-4  NUM_WORKERS=12  OUTPUT_DIR=/workspace/outputs/rfdetr-commonforms
#   CACHE_DIR=/workspace/cache  HF_TOKEN=""  HF_USERNAME=""
# Extras: DATASET (default hf:jbarrow/CommonForms; a COCO folder or "demo" also work), PUSH_TO_HUB (default: on
# when HF_TOKEN and HF_USERNAME are set, as the guide's script did), RFDETR_TRAIN (the trainer binary).
# Arguments are passed on to rfdetr-train, e.g. --dry-run to print the resolved configuration as JSON.
# Effective batch = BATCH_SIZE x GRAD_ACCUM_STEPS x NUM_GPUS. Invalid values are reported by rfdetr-train,
# all at once, with exit code 2.
set -euo pipefail

export NUM_GPUS="${NUM_GPUS:-1}"
export RESUME_CHECKPOINT="${RESUME_CHECKPOINT:-}"
export BATCH_SIZE="${BATCH_SIZE:-24}"
export GRAD_ACCUM_STEPS="${GRAD_ACCUM_STEPS:-1}"
export MODEL_SIZE="${MODEL_SIZE:-medium}"
export EPOCHS="${EPOCHS:-30}"
export LEARNING_RATE="${LEARNING_RATE:-1e-4}"
export NUM_WORKERS="${NUM_WORKERS:-12}"
export OUTPUT_DIR="${OUTPUT_DIR:-/workspace/outputs/rfdetr-commonforms}"
export CACHE_DIR="${CACHE_DIR:-/workspace/cache}"
export HF_TOKEN="${HF_TOKEN:-}"
export HF_USERNAME="${HF_USERNAME:-}"
export DATASET="${DATASET:-hf:jbarrow/CommonForms}"
if [ -z "${PUSH_TO_HUB:-}" ]; then
  if [ -n "$HF_TOKEN" ] && [ -n "$HF_USERNAME" ]; then PUSH_TO_HUB=true; else PUSH_TO_HUB=false; fi
fi
export PUSH_TO_HUB

# The trainer: $RFDETR_TRAIN, next to this script (installed layout), the source tree's build, then PATH.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bin="${RFDETR_TRAIN:-}"
if [ -z "$bin" ]; then
  for c in "$here/rfdetr-train" "$here/../build/app/train/rfdetr-train"; do
    if [ -x "$c" ]; then bin=$c; break; fi
  done
fi
if [ -z "$bin" ]; then bin=$(command -v rfdetr-train || true); fi
if [ -z "$bin" ]; then
  echo "train_rfdetr_full.sh: rfdetr-train not found: install the rfdetr-train package, build the project" \
       "(scripts/studio.sh build), or set RFDETR_TRAIN=/path/to/rfdetr-train" >&2
  exit 1
fi

# The guide's banner (stderr: stdout is reserved for the trainer's machine-readable output).
is_int() { [[ "$1" =~ ^[0-9]+$ ]]; }
{
  echo "=========================================="
  echo "RF-DETR training on $DATASET"
  echo "=========================================="
  echo "Model size:            $MODEL_SIZE"
  echo "GPUs:                  $NUM_GPUS"
  echo "Batch size per GPU:    $BATCH_SIZE"
  echo "Gradient accumulation: $GRAD_ACCUM_STEPS"
  if is_int "$BATCH_SIZE" && is_int "$GRAD_ACCUM_STEPS" && is_int "$NUM_GPUS"; then
    echo "Effective batch size:  $BATCH_SIZE x $GRAD_ACCUM_STEPS x $NUM_GPUS = $((BATCH_SIZE * GRAD_ACCUM_STEPS * NUM_GPUS))"
  fi
  echo "Epochs:                $EPOCHS"
  echo "Learning rate:         $LEARNING_RATE"
  echo "Workers per process:   $NUM_WORKERS"
  echo "Output:                $OUTPUT_DIR"
  echo "Cache:                 $CACHE_DIR"
  echo "Resume:                ${RESUME_CHECKPOINT:-no}"
  echo "Push to the Hub:       $PUSH_TO_HUB${HF_USERNAME:+ (as $HF_USERNAME)}"
  echo "=========================================="
} >&2

exec "$bin" "$@"
