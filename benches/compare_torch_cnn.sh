#!/usr/bin/env bash
# CNN inference, cinder (Burn Flex backend) vs PyTorch (torchvision), same models, batch 16 at
# 224x224, 2 threads each, one after the other on a quiet machine.
#   PEER=/path/to/venv-with-torch-and-torchvision benches/compare_torch_cnn.sh [REPS]
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${1:-10}
PEER=${PEER:?set PEER to a Python environment with torch and torchvision}
THREADS=2 "$PEER/bin/python" benches/torch_cnn_bench.py "$REPS"
RAYON_NUM_THREADS=2 cargo bench --bench cnn_inference -- --sample-size "$REPS" 2>/dev/null \
  | grep -E "^cnn inference|time:|thrpt:"
