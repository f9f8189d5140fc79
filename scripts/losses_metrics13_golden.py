"""Golden cases for the issue #13 losses and metrics, computed by real Keras 3 (numpy backend).

Losses: BinaryFocalCrossentropy, CategoricalFocalCrossentropy, Dice, Tversky, Circle. Each case
records the constructor kwargs, seeded inputs (rounded to 6 decimals so both sides read the same
doubles), an optional sample weight, the per-sample values (reduction=None) and the reduced
value, plus get_config().

Metrics: F1Score, FBetaScore, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU, True/False
Positives/Negatives, PrecisionAtRecall, RecallAtPrecision, SensitivityAtSpecificity,
SpecificityAtSensitivity, PearsonCorrelation and the loss-named mean metrics. Each case runs
several update_state calls (most with sample weights) and records result() after each, the
result after reset_state(), and get_config().

Run (see shared/tools/keras3/README.md; the Keras source is extracted outside the repository):
    PYTHONPATH=/tmp/keras-src:../shared/tools/keras3/shims /usr/bin/python3 \
        scripts/losses_metrics13_golden.py
Writes test/fixtures/losses_metrics13_golden.json.
"""
import json
import os

import keras_numpy_env  # noqa: F401  (must come before keras)
import numpy as np

import keras

rng = np.random.default_rng(20260913)


def r6(a):
    return np.round(np.asarray(a, dtype="float64"), 6)


def arr(a):
    a = np.asarray(a)
    return {"shape": list(a.shape), "data": [float(v) for v in a.ravel()]}


def opt(a):
    return None if a is None else arr(a)


def plain(v):
    return json.loads(
        json.dumps(v, default=lambda o: list(o) if isinstance(o, tuple) else str(o))
    )


def num(v):
    v = np.asarray(v, dtype="float64")
    return float(v) if v.ndim == 0 else [float(x) for x in v.ravel()]


# ---------------------------------------------------------------- losses

losses = []


def loss_case(label, cls, kwargs, y_true, y_pred, sw=None):
    y_true = r6(y_true)
    y_pred = r6(y_pred)
    sw = None if sw is None else r6(sw)
    obj = getattr(keras.losses, cls)(**kwargs)
    none = getattr(keras.losses, cls)(**{**kwargs, "reduction": None})
    per = none(y_true.astype("float32"), y_pred.astype("float32"))
    out = {
        "label": label,
        "cls": cls,
        "kwargs": plain(kwargs),
        "y_true": arr(y_true),
        "y_pred": arr(y_pred),
        "sample_weight": opt(sw),
        "per_sample": arr(np.asarray(per, dtype="float64")),
        "value": num(
            obj(
                y_true.astype("float32"),
                y_pred.astype("float32"),
                sample_weight=None if sw is None else sw.astype("float32"),
            )
        ),
        "config": plain(obj.get_config()),
    }
    losses.append(out)


def probs(shape):
    return rng.uniform(0.02, 0.98, shape)


def onehot(n, c):
    return np.eye(c)[rng.integers(0, c, n)]


yb = rng.integers(0, 2, (4, 3)).astype("float64")
loss_case("bfce default", "BinaryFocalCrossentropy", {}, yb, probs((4, 3)))
loss_case(
    "bfce balanced logits smoothing",
    "BinaryFocalCrossentropy",
    {"apply_class_balancing": True, "alpha": 0.3, "gamma": 1.5, "from_logits": True,
     "label_smoothing": 0.1},
    yb,
    rng.standard_normal((4, 3)) * 3,
    rng.uniform(0.1, 2, (4,)),
)
loss_case(
    "bfce sum gamma 0",
    "BinaryFocalCrossentropy",
    {"gamma": 0.0, "reduction": "sum"},
    rng.integers(0, 2, (5, 1)),
    probs((5, 1)),
)
p = probs((4, 3))
loss_case("cfce default", "CategoricalFocalCrossentropy", {}, onehot(4, 3), p / p.sum(-1, keepdims=True))
loss_case(
    "cfce logits smoothing weights",
    "CategoricalFocalCrossentropy",
    {"alpha": 0.5, "gamma": 3.0, "from_logits": True, "label_smoothing": 0.2},
    onehot(5, 4),
    rng.standard_normal((5, 4)) * 2,
    rng.uniform(0.1, 2, (5,)),
)
loss_case(
    "cfce unnormalized sum",
    "CategoricalFocalCrossentropy",
    {"reduction": "sum"},
    onehot(3, 4),
    probs((3, 4)),
)
seg_t = rng.integers(0, 2, (2, 3, 3, 1)).astype("float64")
seg_p = probs((2, 3, 3, 1))
loss_case("dice default", "Dice", {}, seg_t, seg_p)
loss_case("dice axis", "Dice", {"axis": [1, 2, 3]}, seg_t, seg_p, [0.4, 1.5])
loss_case("dice axis sum", "Dice", {"axis": [1, 2, 3], "reduction": "sum"}, seg_t, seg_p)
loss_case("tversky default", "Tversky", {}, seg_t, seg_p)
loss_case("tversky alpha beta axis", "Tversky", {"alpha": 0.3, "beta": 0.7, "axis": [1, 2, 3]},
          seg_t, seg_p, [1.2, 0.3])
emb = rng.standard_normal((6, 4))
emb = emb / np.linalg.norm(emb, axis=-1, keepdims=True)
lab = np.array([0, 1, 0, 2, 1, 0], dtype="float64")
loss_case("circle default", "Circle", {}, lab, emb)
loss_case("circle args", "Circle", {"gamma": 10.0, "margin": 0.25, "remove_diagonal": False},
          lab, emb, rng.uniform(0.1, 2, (6,)))
loss_case("circle single positive", "Circle", {"gamma": 5.0}, np.array([0, 1, 2, 0], "float64"),
          emb[:4])

# ---------------------------------------------------------------- metrics

metrics = []


def metric_case(label, cls, kwargs, updates, fn=None):
    m = getattr(keras.metrics, cls)(**kwargs)
    results = []
    ups = []
    for yt, yp, sw in updates:
        yt = np.asarray(yt)
        yt = r6(yt) if yt.dtype.kind == "f" else yt
        yp = r6(yp)
        sw = None if sw is None else r6(sw)
        m.update_state(yt, yp.astype("float32"), sample_weight=None if sw is None else sw.astype("float32"))
        results.append(num(m.result()))
        ups.append({"y_true": arr(yt), "y_pred": arr(yp), "sample_weight": opt(sw)})
    m.reset_state()
    after_reset = num(m.result())
    metrics.append({
        "label": label,
        "cls": cls,
        "kwargs": plain(kwargs),
        "updates": ups,
        "results": results,
        "after_reset": after_reset,
        "config": plain(m.get_config()),
    })


def multilabel(n, c):
    return rng.integers(0, 2, (n, c)).astype("float64"), probs((n, c))


def w(n):
    return rng.uniform(0.1, 2, (n,))


u = [(*multilabel(5, 3), None), (*multilabel(4, 3), w(4)), (*multilabel(6, 3), w(6))]
metric_case("f1 none", "F1Score", {}, u)
metric_case("f1 micro 0.5", "F1Score", {"average": "micro", "threshold": 0.5}, u)
metric_case("f1 macro", "F1Score", {"average": "macro", "threshold": 0.4}, u)
metric_case("f1 weighted", "F1Score", {"average": "weighted"}, u)
metric_case("fbeta 2 none", "FBetaScore", {"beta": 2.0, "threshold": 0.6}, u)
metric_case("fbeta 0.5 weighted", "FBetaScore", {"beta": 0.5, "average": "weighted"}, u)


def seg(n, c):
    return rng.integers(0, c, (n,)).astype("float64"), rng.integers(0, c, (n,)).astype("float64")


iu = [(*seg(8, 3), None), (*seg(6, 3), rng.integers(0, 3, (6,)).astype("float64")),
      (*seg(7, 3), None)]
metric_case("iou", "IoU", {"num_classes": 3, "target_class_ids": [0, 2]}, iu)
metric_case("meaniou", "MeanIoU", {"num_classes": 3}, iu)
metric_case("meaniou empty class", "MeanIoU", {"num_classes": 4},
            [([0, 1, 1, 0], [0, 1, 0, 0], None), ([1, 0], [1, 1], [2, 1])])
metric_case("meaniou ignore out of range 2d", "MeanIoU", {"num_classes": 3, "ignore_class": 1},
            [([[0, 1], [2, 2]], [[0, 0], [2, 1]], None),
             ([[1, 2], [0, -1]], [[0, 2], [0, 1]], [[1, 2], [3, 1]])])
metric_case("meaniou dense", "MeanIoU", {"num_classes": 3, "sparse_y_pred": False},
            [(rng.integers(0, 3, (5,)), probs((5, 3)), None),
             (rng.integers(0, 3, (4,)), probs((4, 3)), [1, 2, 0, 1])])
oh = [(onehot(5, 3), probs((5, 3)), None), (onehot(4, 3), probs((4, 3)), [1, 0, 2, 1])]
metric_case("onehotiou", "OneHotIoU", {"num_classes": 3, "target_class_ids": [0, 2]}, oh)
metric_case("onehotmeaniou", "OneHotMeanIoU", {"num_classes": 3}, oh)


def binary(n):
    return rng.integers(0, 2, (n,)).astype("float64"), probs((n,))


bu = [(*binary(8), None), (*binary(6), w(6)), (*binary(10), w(10))]
for cls in ["TruePositives", "FalsePositives", "TrueNegatives", "FalseNegatives"]:
    metric_case(cls.lower(), cls, {}, bu)
    metric_case(cls.lower() + " thresholds", cls, {"thresholds": [0.2, 0.5, 0.8]}, bu)
b2 = [(rng.integers(0, 2, (6, 2)).astype("float64"), probs((6, 2)), w(6)),
      (rng.integers(0, 2, (5, 2)).astype("float64"), probs((5, 2)), None)]
metric_case("truepositives 2d", "TruePositives", {}, b2)
big = [(*binary(30), None), (*binary(25), w(25))]
metric_case("precision at recall", "PrecisionAtRecall", {"recall": 0.6}, big)
metric_case("precision at recall 7", "PrecisionAtRecall", {"recall": 0.8, "num_thresholds": 7},
            big)
metric_case("recall at precision", "RecallAtPrecision", {"precision": 0.6}, big)
metric_case("recall at precision 1", "RecallAtPrecision",
            {"precision": 0.5, "num_thresholds": 1}, big)
metric_case("sensitivity at specificity", "SensitivityAtSpecificity", {"specificity": 0.5}, big)
metric_case("specificity at sensitivity", "SpecificityAtSensitivity",
            {"sensitivity": 0.7, "num_thresholds": 11}, big)
metric_case("sens at spec class id", "SensitivityAtSpecificity",
            {"specificity": 0.4, "class_id": 1}, b2)
reg = [(rng.standard_normal((4, 5)), rng.standard_normal((4, 5)), None),
       (rng.standard_normal((3, 5)), rng.standard_normal((3, 5)), w(3))]
metric_case("pearson", "PearsonCorrelation", {}, reg)
metric_case("pearson axis 0", "PearsonCorrelation", {"axis": 0},
            [(yt, yp, None) for yt, yp, _ in reg])

cat = [(onehot(4, 3), probs((4, 3)), None), (onehot(3, 3), probs((3, 3)), w(3))]
metric_case("m binary_crossentropy", "BinaryCrossentropy", {},
            [(yt[:, None], yp[:, None], sw) for yt, yp, sw in bu[:2]])
metric_case("m binary_crossentropy logits", "BinaryCrossentropy",
            {"from_logits": True, "label_smoothing": 0.1},
            [(yb, rng.standard_normal((4, 3)), w(4))])
metric_case("m categorical_crossentropy", "CategoricalCrossentropy", {"label_smoothing": 0.1}, cat)
metric_case("m sparse_categorical_crossentropy", "SparseCategoricalCrossentropy", {},
            [(rng.integers(0, 3, (4,)), probs((4, 3)), None),
             (rng.integers(0, 3, (3,)), probs((3, 3)), w(3))])
metric_case("m sparse_categorical_crossentropy ignore", "SparseCategoricalCrossentropy",
            {"from_logits": True, "ignore_class": 1},
            [(np.array([0, 1, 2, 1]), rng.standard_normal((4, 3)), None),
             (np.array([1, 2, 0]), rng.standard_normal((3, 3)), w(3))])
metric_case("m kl_divergence", "KLDivergence", {}, cat)
metric_case("m poisson", "Poisson", {}, cat)
pm = [(rng.choice([-1.0, 1.0], (4, 3)), rng.standard_normal((4, 3)), None),
      (rng.choice([-1.0, 1.0], (3, 3)), rng.standard_normal((3, 3)), w(3))]
metric_case("m hinge", "Hinge", {}, pm)
metric_case("m squared_hinge", "SquaredHinge", {}, pm)
metric_case("m categorical_hinge", "CategoricalHinge", {}, cat)
metric_case("m logcosh", "LogCoshError", {}, reg)
pos = [(rng.uniform(0.5, 3, (4, 3)), rng.uniform(0.5, 3, (4, 3)), None),
       (rng.uniform(0.5, 3, (3, 3)), rng.uniform(0.5, 3, (3, 3)), w(3))]
metric_case("m msle", "MeanSquaredLogarithmicError", {}, pos)
metric_case("m mape", "MeanAbsolutePercentageError", {}, pos)
metric_case("m cosine", "CosineSimilarity", {}, reg)

out = {"losses": losses, "metrics": metrics}
path = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures",
                    "losses_metrics13_golden.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
print(f"wrote {len(losses)} loss cases, {len(metrics)} metric cases to {path}")
