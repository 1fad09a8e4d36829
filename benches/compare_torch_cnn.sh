#!/usr/bin/env bash
# CNN inference, cinder (`cinder image bench`, Burn Flex backend) vs PyTorch (torchvision, the
# shared peer's torch_cnn_bench.py): same architectures with random weights, batch 16 at 224x224,
# 2 threads each, one after the other on a quiet machine.
#   PEER=/path/to/venv-with-torch-and-torchvision benches/compare_torch_cnn.sh [REPS]
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${1:-10}
PEER=${PEER:?set PEER to a Python environment with torch and torchvision (see ../shared/bench/peer/README.md)}
BENCH=${BENCH:-../shared/bench/peer/torch_cnn_bench.py}
[ -f "$BENCH" ] || BENCH=benches/torch_cnn_bench.py
cargo build --release -q -p cinder-cli
for arch in mobilenet_v2 resnet50; do
  torch=$("$PEER/bin/python" "$BENCH" --arch "$arch" --batch-size 16 --threads 2 --reps "$REPS" | tail -1)
  folded=$(./target/release/cinder image bench --arch "$arch" --batch-size 16 --threads 2 --reps "$REPS" --json)
  unfolded=$(./target/release/cinder image bench --arch "$arch" --batch-size 16 --threads 2 --reps "$REPS" --unfolded --json)
  python3 - "$arch" "$torch" "$folded" "$unfolded" <<'PY'
import json, sys
arch, torch, folded, unfolded = sys.argv[1], *map(json.loads, sys.argv[2:])
t = torch["ms_per_batch_median"]
for name, run in (("cinder (batch norm folded)", folded), ("cinder (as loaded)", unfolded)):
    m = run["ms_per_batch_median"]
    print(f"{arch}: {name} {m:.0f} ms ({run['images_per_s']:.1f} img/s, peak RSS {run['peak_rss_mib']:.0f} MiB)"
          f" vs PyTorch {t:.0f} ms ({torch['images_per_s']:.1f} img/s, peak RSS {torch['peak_rss_mib']:.0f} MiB): {m / t:.2f}x")
PY
done
