#!/usr/bin/env python3
"""Reference values of cinder's link-prediction metrics (crates/cinder-nn/tests/link_prediction.rs).

With scikit-learn and torch installed (the PyG peer venv, ../shared/bench/peer/README.md) it
computes them with sklearn.metrics and with the code of ogb.linkproppred.Evaluator._eval_hits /
_eval_mrr; without them, with the same formulas in plain Python (step-wise average precision over
distinct thresholds; ROC AUC by the trapezoid rule, ties counted half).
"""
POS = [0.9, 0.8, 0.8, 0.3, 0.55, 0.1, 0.7]
NEG = [0.8, 0.2, 0.4, 0.55, 0.05, 0.6, 0.3, 0.0]
MRR_POS = [0.9, 0.5, 0.3]
MRR_NEG = [[0.95, 0.1, 0.5], [0.5, 0.5, 0.2], [0.1, 0.2, 0.29]]


def plain():
    scored = sorted([(s, 1) for s in POS] + [(s, 0) for s in NEG], key=lambda t: -t[0])
    p = len(POS)
    tp = fp = 0
    points = []
    for i, (s, y) in enumerate(scored):
        tp += y
        fp += 1 - y
        if i + 1 == len(scored) or scored[i + 1][0] != s:
            points.append((tp, fp))
    ap, prev = 0.0, 0.0
    for tp, fp in points:
        ap += (tp / p - prev) * tp / (tp + fp)
        prev = tp / p
    auc = sum((sp > sn) + 0.5 * (sp == sn) for sp in POS for sn in NEG) / (len(POS) * len(NEG))
    return auc, ap


def hits(k):
    if len(NEG) < k:
        return 1.0
    kth = sorted(NEG, reverse=True)[k - 1]
    return sum(s > kth for s in POS) / len(POS)


def mrr():
    total = 0.0
    for pos, negs in zip(MRR_POS, MRR_NEG):
        opt = sum(n > pos for n in negs)
        pess = sum(n >= pos for n in negs)
        total += 1.0 / (0.5 * (opt + pess) + 1)
    return total / len(MRR_POS)


if __name__ == '__main__':
    try:
        from sklearn.metrics import average_precision_score, roc_auc_score
        y = [1] * len(POS) + [0] * len(NEG)
        auc, ap = roc_auc_score(y, POS + NEG), average_precision_score(y, POS + NEG)
        source = 'scikit-learn'
    except ImportError:
        (auc, ap), source = plain(), 'plain Python'
    print(f'# {source}')
    print(f'SKLEARN_AUC = {auc!r}')
    print(f'SKLEARN_AP = {ap!r}')
    print('OGB_HITS =', [(k, hits(k)) for k in (1, 3, 5, 20)])
    print(f'OGB_MRR = {mrr()!r}')
