#!/usr/bin/env bash
# Side-by-side GCN node-classification timing: cinder vs PyTorch Geometric on the same graph files,
# one after the other, 2 threads each, on a quiet machine. Prints median epoch times, the ratio,
# peak memory and test accuracy per dataset, as a Markdown table.
#
# usage: PEER=/path/to/peer benches/compare_pyg.sh [REPS] [DATASET...]
#   PEER     folder with the PyG venv (see ../shared/bench/peer/README.md: python3 -m venv
#            $PEER/venv && $PEER/venv/bin/pip install -r requirements-pyg.lock.txt); graph files are
#            generated under $PEER/data by the PyG script itself.
#   REPS     repetitions per dataset (default 3); DATASET: cora pubmed large (default: all three)
#   MODEL    gcn (default) or gat: PyG's examples/gcn.py or examples/gat.py against
#            `cinder train node --model MODEL` with the same settings
#   EPOCHS   training epochs of both (default 200; PyG's GAT needs seconds per epoch on `large`,
#            so its table row uses EPOCHS=30)
set -euo pipefail
cd "$(dirname "$0")/.."
: "${PEER:?set PEER to the folder holding the PyG venv}"
BENCH="${CINDER_BENCH:-$(cd .. && pwd)/shared/bench/peer}"
REPS="${1:-3}"
shift || true
DATASETS=("${@:-cora pubmed large}")
read -r -a DATASETS <<<"${DATASETS[*]}"
MODEL="${MODEL:-gcn}"
EPOCHS="${EPOCHS:-200}"
WARMUP=$((EPOCHS < 50 ? 5 : 10))
OUT="$(mktemp -d)"
export RAYON_NUM_THREADS=2

cargo build --release -q -p cinder-cli
for name in "${DATASETS[@]}"; do
  for rep in $(seq 1 "$REPS"); do
    python3 "$BENCH/wait_quiet.py" 0.10 5 600 >/dev/null || echo "warning: machine not quiet" >&2
    "$PEER/venv/bin/python" "$BENCH/pyg_gcn_bench.py" --dataset "$name" --data-root "$PEER/data" \
      --model "$MODEL" --epochs "$EPOCHS" --warmup "$WARMUP" --threads 2 \
      --json-out "$OUT/pyg_$name.jsonl" >/dev/null
    python3 "$BENCH/wait_quiet.py" 0.10 5 600 >/dev/null || echo "warning: machine not quiet" >&2
    ./target/release/cinder train node --data "$PEER/data/${name}_s0" --format graph-dir \
      --model "$MODEL" --epochs "$EPOCHS" --patience 0 --threads 2 --json --no-report >>"$OUT/cinder_$name.jsonl"
  done
done

python3 - "$OUT" "$MODEL" "${DATASETS[@]}" <<'PY'
import json, statistics, sys
out, model, names = sys.argv[1], sys.argv[2], sys.argv[3:]
print(f"model: {model}")
def rows(path):
    with open(path) as fh:
        return [json.loads(line) for line in fh if line.strip()]
print("| graph | cinder epoch ms (median) | PyG epoch ms (median) | ratio cinder/PyG | cinder peak RSS MB | PyG peak RSS MB | cinder test acc | PyG test acc | reps |")
print("|---|---|---|---|---|---|---|---|---|")
for name in names:
    c, p = rows(f"{out}/cinder_{name}.jsonl"), rows(f"{out}/pyg_{name}.jsonl")
    cm = statistics.median(r["epoch_ms_median"] for r in c)
    pm = statistics.median(r["epoch_ms_median"] for r in p)
    crss = statistics.median(r["peak_rss_mb"] for r in c)
    prss = statistics.median(r["peak_rss_mib"] for r in p)
    cacc = statistics.median(r["mean_test_accuracy"] for r in c)
    pacc = statistics.median(r["test_acc"] for r in p)
    print(f"| {name} | {cm:.2f} | {pm:.2f} | {cm / pm:.3f} | {crss:.0f} | {prss:.0f} | {cacc:.3f} | {pacc:.3f} | {len(c)} |")
PY
