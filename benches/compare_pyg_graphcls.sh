#!/usr/bin/env bash
# Side-by-side graph-classification timing: cinder vs PyTorch Geometric on the same TU files (the
# peer's synthetic SYNTH1000_s0: 1000 graphs of 20-40 nodes, 7 node labels, 2 classes), one after
# the other, 2 threads each, on a quiet machine. Same model and loop as the peer: GCNConv(7,64)-ReLU
# x3 -> mean pool -> Linear(64,2), no batch norm, no dropout; Adam lr 0.01; batch 32, shuffled;
# 80/20 split; 50 epochs; epoch time includes collation. Prints a Markdown table of medians.
#
# usage: PEER=/path/to/peer benches/compare_pyg_graphcls.sh [REPS]
#   PEER  folder with the PyG venv (see ../shared/bench/peer/README.md); the TU files are generated
#         by the PyG script under $PEER/data/tu on its first run.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${PEER:?set PEER to the folder holding the PyG venv}"
BENCH="${CINDER_BENCH:-$(cd .. && pwd)/shared/bench/peer}"
REPS="${1:-3}"
NAME=SYNTH1000_s0
OUT="$(mktemp -d)"
export RAYON_NUM_THREADS=2

cargo build --release -q -p cinder-cli
for rep in $(seq 1 "$REPS"); do
  python3 "$BENCH/wait_quiet.py" 0.10 5 600 >/dev/null || echo "warning: machine not quiet" >&2
  "$PEER/venv/bin/python" "$BENCH/pyg_graphcls_bench.py" --tu-root "$PEER/data/tu" \
    --threads 2 --json-out "$OUT/pyg.jsonl" >/dev/null
  python3 "$BENCH/wait_quiet.py" 0.10 5 600 >/dev/null || echo "warning: machine not quiet" >&2
  ./target/release/cinder train graph --data "$PEER/data/tu/$NAME/raw" --format tu \
    --tu-name "$NAME" --model gcn --readout mean --no-batch-norm --dropout 0 --holdout 0.2 \
    --validation-fraction 0 --epochs 50 --patience 0 --decay-every 0 --batch-size 32 \
    --threads 2 --json --no-report >>"$OUT/cinder.jsonl"
done

python3 - "$OUT" <<'PY'
import json, statistics, sys
out = sys.argv[1]
def rows(path):
    with open(path) as fh:
        return [json.loads(line) for line in fh if line.strip()]
c, p = rows(f"{out}/cinder.jsonl"), rows(f"{out}/pyg.jsonl")
cm = statistics.median(r["epoch_ms_median"] for r in c)
pm = statistics.median(r["epoch_ms_median"] for r in p)
cc = statistics.median(r["collate_ms_median"] for r in c)
pc = statistics.median(r["collate_only_epoch_ms"] for r in p)
crss = statistics.median(r["peak_rss_mb"] for r in c)
prss = statistics.median(r["peak_rss_mib"] for r in p)
cacc = statistics.median(r["mean_test_accuracy"] for r in c)
pacc = statistics.median(r["test_acc"] for r in p)
other = max(r["other_procs_cores_during_train"] for r in p)
print("| dataset | cinder epoch ms (median) | PyG epoch ms (median) | ratio cinder/PyG | cinder collation ms/epoch | PyG collation ms/epoch | cinder peak RSS MB | PyG peak RSS MB | cinder test acc | PyG test acc | reps |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
print(f"| SYNTH1000_s0 | {cm:.2f} | {pm:.2f} | {cm / pm:.3f} | {cc:.2f} | {pc:.2f} | {crss:.0f} | {prss:.0f} | {cacc:.3f} | {pacc:.3f} | {len(c)} |")
print(f"(other processes' CPU during the PyG runs: at most {other:.2f} cores)")
PY
