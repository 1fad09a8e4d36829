#!/usr/bin/env bash
# Side-by-side graph auto-encoder (link prediction) timing and accuracy: cinder vs PyTorch
# Geometric's examples/autoencoder.py (../shared/bench/peer/pyg_link_bench.py) on the same graphs,
# one after the other, 2 threads each, on a quiet machine. Same model (GCN(F,32) -> ReLU ->
# GCN(32,16), inner product), same training as PyG's example rather than cinder's defaults (Adam
# 0.01, 400 epochs, one uniform negative per positive, row-normalized features, the last epoch's
# weights, RandomLinkSplit(0.05, 0.1)); each side draws its own split from the seed. Prints median
# epoch times, their ratio, peak memory and test AUC / AP, as a Markdown table.
#
# usage: PEER=/path/to/peer benches/compare_pyg_link.sh [REPS] [GRAPH...]
#   PEER     folder with the PyG venv (../shared/bench/peer/README.md); data goes to $PEER/data
#   REPS     seeds per graph (default 3); GRAPH: cora (real Planetoid Cora, from
#            $CINDER_DATA/planetoid) and/or large (the peer's 200k-node synthetic graph directory)
#   MODEL    gae (default) or vgae
#   EPOCHS   training epochs of both (default 400)
set -euo pipefail
cd "$(dirname "$0")/.."
: "${PEER:?set PEER to the folder holding the PyG venv}"
SHARED="$(cd .. && pwd)/shared"
BENCH="${CINDER_BENCH:-$SHARED/bench/peer}"
export CINDER_DATA="${CINDER_DATA:-$SHARED/datasets}"
REPS="${1:-3}"
shift || true
GRAPHS=("${@:-cora large}")
read -r -a GRAPHS <<<"${GRAPHS[*]}"
MODEL="${MODEL:-gae}"
EPOCHS="${EPOCHS:-400}"
OUT="$(mktemp -d)"
export RAYON_NUM_THREADS=2

# PyG's Planetoid reader wants ROOT/Cora/raw/ind.cora.*: link the shared files there.
mkdir -p "$PEER/data/Cora/raw"
for part in x tx allx y ty ally graph test.index; do
  ln -sf "$CINDER_DATA/planetoid/ind.cora.$part" "$PEER/data/Cora/raw/ind.cora.$part"
done

cargo build --release -q -p cinder-cli
for name in "${GRAPHS[@]}"; do
  if [ "$name" = cora ]; then
    peer_source=(--planetoid "$PEER/data" Cora)
    cinder_source=(--dataset cora)
  else
    peer_source=(--dataset "$name" --data-root "$PEER/data")
    cinder_source=(--data "$PEER/data/${name}_s0")
  fi
  for seed in $(seq 0 $((REPS - 1))); do
    python3 "$BENCH/wait_quiet.py" 0.10 5 600 >/dev/null || echo "warning: machine not quiet" >&2
    "$PEER/venv/bin/python" "$BENCH/pyg_link_bench.py" "${peer_source[@]}" --model "$MODEL" \
      --epochs "$EPOCHS" --seed "$seed" --threads 2 --json-out "$OUT/pyg_$name.jsonl" >/dev/null
    python3 "$BENCH/wait_quiet.py" 0.10 5 600 >/dev/null || echo "warning: machine not quiet" >&2
    ./target/release/cinder train link "${cinder_source[@]}" --model "$MODEL" --epochs "$EPOCHS" \
      --negatives uniform --row-normalize yes --eval-every "$EPOCHS" \
      --first-seed "$seed" --threads 2 --json --no-report >>"$OUT/cinder_$name.jsonl"
  done
done

python3 - "$OUT" "$MODEL" "${GRAPHS[@]}" <<'PY'
import json, statistics, sys
out, model, names = sys.argv[1], sys.argv[2], sys.argv[3:]
print(f"model: {model}")
def rows(path):
    with open(path) as fh:
        return [json.loads(line) for line in fh if line.strip()]
print("| graph | cinder epoch ms (median) | PyG epoch ms (median) | ratio cinder/PyG | cinder peak RSS MB | PyG peak RSS MB | cinder test AUC / AP | PyG test AUC / AP | seeds |")
print("|---|---|---|---|---|---|---|---|---|")
for name in names:
    c, p = rows(f"{out}/cinder_{name}.jsonl"), rows(f"{out}/pyg_{name}.jsonl")
    cm = statistics.median(r["epoch_ms_median"] for r in c)
    pm = statistics.median(r["epoch_ms_median"] for r in p)
    crss = statistics.median(r["peak_rss_mb"] for r in c)
    prss = statistics.median(r["peak_rss_mib"] for r in p)
    cauc = statistics.mean(r["mean_test_auc"] for r in c)
    cap = statistics.mean(r["mean_test_ap"] for r in c)
    pauc = statistics.mean(r["test_auc"] for r in p)
    pap = statistics.mean(r["test_ap"] for r in p)
    print(f"| {name} | {cm:.2f} | {pm:.2f} | {cm / pm:.3f} | {crss:.0f} | {prss:.0f} | {cauc:.3f} / {cap:.3f} | {pauc:.3f} / {pap:.3f} | {len(c)} |")
PY
