#!/usr/bin/env python3
"""Golden values for Tessera's CTC loss (src/ops/ctc.ts), computed with PyTorch.

For each case: random logits [batch, maxTime, numClasses] (rounded to 6 decimals, so that both
sides read identical doubles), padded integer targets, target and input lengths, blank 0; then

    loss = torch.nn.functional.ctc_loss(log_softmax(logits), targets, input_lengths,
                                        target_lengths, blank=0, reduction='none',
                                        zero_infinity=False)
    grad = d(sum(loss)) / d(logits)        (torch.autograd.grad, float64)

All cases are feasible (finite loss); Tessera's own tests cover impossible alignments, where
PyTorch gives +inf and a NaN gradient and Tessera gives +inf and a zero gradient.

Run: /usr/bin/python3 scripts/ctc_golden.py   (Debian: apt-get install python3-torch python3-numpy)
Writes test/fixtures/ctc_golden.json.
"""

import json
import os

import numpy as np
import torch
import torch.nn.functional as F


def feasible(labels, frames):
    """Frames needed: one per label plus one blank between equal neighbours."""
    need = len(labels) + sum(1 for a, b in zip(labels, labels[1:]) if a == b)
    return need <= frames


def make_case(rng, name, batch, max_time, num_classes, max_label, *, scale=1.0,
              repeat_prob=0.0, min_label=0, full_time=False):
    logits = np.round(rng.standard_normal((batch, max_time, num_classes)) * scale, 6)
    targets = np.zeros((batch, max_label), dtype=np.int64)
    target_lengths = []
    input_lengths = []
    for b in range(batch):
        while True:
            frames = max_time if full_time or b == 0 else int(rng.integers(1, max_time + 1))
            length = int(rng.integers(min_label, max_label + 1))
            labels = []
            for i in range(length):
                if i > 0 and rng.random() < repeat_prob:
                    labels.append(labels[-1])
                else:
                    labels.append(int(rng.integers(1, num_classes)))
            if feasible(labels, frames):
                break
        targets[b, :length] = labels
        target_lengths.append(length)
        input_lengths.append(frames)

    x = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    # torch wants [time, batch, classes] log-probabilities.
    log_probs = F.log_softmax(x, dim=-1).transpose(0, 1)
    loss = F.ctc_loss(
        log_probs,
        torch.tensor(targets),
        torch.tensor(input_lengths),
        torch.tensor(target_lengths),
        blank=0,
        reduction="none",
        zero_infinity=False,
    )
    (grad,) = torch.autograd.grad(loss.sum(), x)
    assert torch.isfinite(loss).all() and torch.isfinite(grad).all(), name
    return {
        "name": name,
        "shape": [batch, max_time, num_classes],
        "logits": logits.reshape(-1).tolist(),
        "targets": targets.tolist(),
        "targetLengths": target_lengths,
        "inputLengths": input_lengths,
        "loss": [float(f"{v:.15g}") for v in loss.tolist()],
        "grad": [float(f"{v:.15g}") for v in grad.reshape(-1).tolist()],
    }


def main():
    rng = np.random.default_rng(20240611)
    cases = [
        make_case(rng, "small, varied lengths", 3, 10, 5, 4),
        make_case(rng, "repeated labels", 3, 6, 3, 3, repeat_prob=0.7, min_label=2),
        make_case(rng, "padded frames and labels", 4, 15, 8, 6, repeat_prob=0.3),
        make_case(rng, "medium", 2, 50, 4, 15, repeat_prob=0.3, min_label=5),
        make_case(rng, "large logits", 2, 12, 5, 4, scale=8.0, min_label=1),
        make_case(rng, "empty and single labels", 3, 5, 4, 1, full_time=True),
        make_case(rng, "long (T = 200)", 1, 200, 6, 40, repeat_prob=0.2, min_label=40),
    ]
    out = {
        "generator": "scripts/ctc_golden.py",
        "torch": torch.__version__,
        "numpy": np.__version__,
        "blank": 0,
        "cases": cases,
    }
    path = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "ctc_golden.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {os.path.normpath(path)} ({os.path.getsize(path)} bytes, {len(cases)} cases)")


if __name__ == "__main__":
    main()
