#!/usr/bin/env python3
"""Reference outputs of PyTorch Geometric layers for cinder's tests.

Writes crates/cinder-nn/tests/fixtures/pyg_layers.json: GCNConv (plain and improved), GINConv
(trainable eps), SAGEConv (mean, root weight) and the three global pooling readouts, run in float64
on the karate club (datasets/karate/edges.csv, unweighted) and on a small directed weighted graph,
with their outputs and the gradients of every parameter and of the input for the loss
L = sum(out * C). Weights, inputs and C come from a formula (no weight files):

    value(name, i) = 0.5 * sin(1.3 * i + 0.7 * len(name)) * scale,   scale = 1 / sqrt(fan_in)

flat index i in PyTorch's layout ([out, in] for Linear weights). The values are stored in the
JSON too (parameters, x, C), so cinder's test needs no formula. Run with the PyG peer venv (torch 2.15.0, torch_geometric 2.8.1):

    $PEER/venv/bin/python tools/reference/pyg_layers.py
"""
import csv
import json
import math
import os

import torch
from torch_geometric.nn import GCNConv, GINConv, SAGEConv, global_add_pool, global_max_pool, global_mean_pool

torch.set_default_dtype(torch.float64)
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def formula(name, shape, scale):
    n = math.prod(shape)
    values = [0.5 * math.sin(1.3 * i + 0.7 * len(name)) * scale for i in range(n)]
    return torch.tensor(values).reshape(shape)


def fill(module, prefix):
    for name, param in module.named_parameters():
        full = f"{prefix}.{name}"
        fan_in = param.shape[1] if param.dim() == 2 else param.shape[0]
        with torch.no_grad():
            param.copy_(formula(full, list(param.shape), 1.0 / math.sqrt(fan_in)))


def karate():
    with open(os.path.join(ROOT, "datasets", "karate", "edges.csv")) as fh:
        rows = [(int(r["source"]), int(r["target"])) for r in csv.DictReader(fh)]
    src = [s for s, t in rows] + [t for s, t in rows]
    dst = [t for s, t in rows] + [s for s, t in rows]
    return 34, torch.tensor([src, dst]), None


def directed():
    edges = [(0, 1, 1.0), (0, 2, 0.5), (1, 2, 2.0), (2, 0, 1.5), (2, 3, 0.25), (3, 4, 3.0),
             (4, 3, 1.0), (5, 4, 0.75), (5, 0, 1.25), (3, 3, 0.5)]
    return 6, torch.tensor([[s for s, _, _ in edges], [t for _, t, _ in edges]]), torch.tensor([w for _, _, w in edges])


def run(name, layer, call, x, prefix):
    fill(layer, prefix)
    x = x.clone().requires_grad_(True)
    out = call(layer, x)
    c = formula(f"{prefix}.C", list(out.shape), 1.0)
    loss = (out * c).sum()
    loss.backward()
    grads = {f"{prefix}.{n}": p.grad.tolist() for n, p in layer.named_parameters()}
    return {
        "case": name,
        "prefix": prefix,
        "parameters": {f"{prefix}.{n}": p.detach().tolist() for n, p in layer.named_parameters()},
        "x": x.detach().tolist(),
        "loss_weights": c.tolist(),
        "output": out.tolist(),
        "loss": float(loss),
        "grads": grads,
        "input_grad": x.grad.tolist(),
    }


def main():
    cases = []
    for graph_name, (n, edge_index, weight) in [("karate", karate()), ("directed", directed())]:
        width = 5
        if weight is None:
            # PyG quirk: with edge_weight=None, add_remaining_self_loops ignores fill_value, so
            # GCNConv(improved=True) silently uses A + I. Explicit unit weights give the paper's
            # A + 2I (and change nothing for the plain layer).
            weight = torch.ones(edge_index.size(1))
        x = formula(f"{graph_name}.x", [n, width], 1.0)
        cases.append(run(f"{graph_name} GCNConv", GCNConv(width, 3), lambda m, x: m(x, edge_index, weight), x, f"{graph_name}.gcn"))
        cases.append(run(f"{graph_name} GCNConv improved", GCNConv(width, 3, improved=True), lambda m, x: m(x, edge_index, weight), x, f"{graph_name}.gcn_improved"))
        mlp = torch.nn.Sequential(torch.nn.Linear(width, 4), torch.nn.ReLU(), torch.nn.Linear(4, 3))
        gin = GINConv(mlp, eps=0.1, train_eps=True)
        cases.append(run(f"{graph_name} GINConv", gin, lambda m, x: m(x, edge_index), x, f"{graph_name}.gin"))
        sage = SAGEConv(width, 3, aggr="mean", root_weight=True)
        cases.append(run(f"{graph_name} SAGEConv", sage, lambda m, x: m(x, edge_index), x, f"{graph_name}.sage"))
    x = formula("pool.x", [7, 3], 1.0)
    batch = torch.tensor([0, 0, 0, 1, 1, 1, 1])
    pooling = {
        "x": x.tolist(),
        "offsets": [0, 3, 7],
        "mean": global_mean_pool(x, batch).tolist(),
        "sum": global_add_pool(x, batch).tolist(),
        "max": global_max_pool(x, batch).tolist(),
    }
    import torch_geometric
    out = {
        "generator": "tools/reference/pyg_layers.py",
        "torch": torch.__version__,
        "torch_geometric": torch_geometric.__version__,
        "dtype": "float64",
        "formula": "value(name, i) = 0.5 * sin(1.3 * i + 0.7 * len(name)) * scale; parameters: scale = 1/sqrt(fan_in) with fan_in = shape[1] for matrices ([out, in]) and shape[0] for vectors; inputs x and loss weights C: scale 1",
        "graphs": {"karate": {"num_nodes": 34, "edge_index": karate()[1].tolist()},
                   "directed": {"num_nodes": 6, "edge_index": directed()[1].tolist(), "edge_weight": directed()[2].tolist()}},
        "cases": cases,
        "pooling": pooling,
    }
    path = os.path.join(ROOT, "crates", "cinder-nn", "tests", "fixtures", "pyg_layers.json")
    with open(path + ".tmp", "w") as fh:
        json.dump(out, fh)
    os.replace(path + ".tmp", path)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
