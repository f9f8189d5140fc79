#!/usr/bin/env python3
"""Independent check of Keras 3 weight files with h5py (not h5wasm, which Tessera uses).

Lists every group and dataset (shape, dtype, attributes) of a `.weights.h5` file, or of the
`model.weights.h5` inside a `.keras` archive, and checks the layout rules of Keras 3's
`saving_lib` (`H5IOStore`):

- the root has a `vars` group with a string attribute `name` (the model's variables);
- every `vars` group has a string attribute `name` and holds only datasets `0 … n-1`;
- datasets live only in `vars` groups;
- every other group is either a `layers` container or a saveable object with its own `vars`;
- keys in a `layers` container are snake_case class names made unique with `_1`, `_2`… in
  order (no `dense_2` without `dense_1` and `dense`);
- `optimizer/vars/0` is an integer scalar (the iteration count); optimizer variables and
  layer variables are floating point (bfloat16 tagged by a `dtype` attribute).

For a `.keras` archive it also checks the members (`metadata.json` with `keras_version`,
`config.json` with `class_name` and `config`, `model.weights.h5`).

Usage: h5_structure_check.py [--json] FILE...
Exit status: 0 when every file follows the rules, 1 when one does not, 2 on a usage error or
an unreadable file.
"""

import io
import json
import re
import sys
import zipfile

import h5py
import numpy as np

SNAKE_KEY = re.compile(r"^([a-z][a-z0-9_]*?)(?:_(\d+))?$")


def attr_value(v):
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, np.ndarray):
        return [attr_value(x) for x in v.tolist()]
    if isinstance(v, np.generic):
        return v.item()
    return v


def describe(f):
    objects = {}

    def visit(name, obj):
        entry = {"attrs": {k: attr_value(v) for k, v in obj.attrs.items()}}
        if isinstance(obj, h5py.Group):
            entry["type"] = "group"
        else:
            entry["type"] = "dataset"
            entry["shape"] = list(obj.shape)
            entry["dtype"] = str(obj.dtype)
        objects[name] = entry

    objects["/"] = {"type": "group", "attrs": {k: attr_value(v) for k, v in f.attrs.items()}}
    f.visititems(visit)
    return objects


def is_float(entry):
    return entry["dtype"].startswith("float") or entry["attrs"].get("dtype") == "bfloat16"


def check_layout(objects):
    errors, warnings = [], []
    groups = {p for p, e in objects.items() if e["type"] == "group"}

    def children(path):
        prefix = "" if path == "/" else path + "/"
        return sorted(
            p[len(prefix):] for p in objects if p != "/" and p.startswith(prefix)
            and "/" not in p[len(prefix):]
        )

    if "vars" not in groups:
        errors.append("the root has no 'vars' group")
    for path, e in sorted(objects.items()):
        base = path.rsplit("/", 1)[-1]
        parent = path.rsplit("/", 1)[0] if "/" in path else "/"
        if e["type"] == "dataset":
            if not (parent == "vars" or parent.endswith("/vars")):
                errors.append(f"dataset '{path}' is outside a 'vars' group")
            continue
        if path == "/":
            continue
        if base == "vars":
            name = e["attrs"].get("name")
            if not isinstance(name, str) or not name:
                errors.append(f"group '{path}' has no string attribute 'name'")
            kids = children(path)
            sub = [k for k in kids if objects[f"{path}/{k}"]["type"] == "group"]
            if sub:
                errors.append(f"group '{path}' holds groups {sub}")
            expected = [str(i) for i in range(len(kids))]
            if sorted(kids, key=lambda k: (len(k), k)) != expected:
                errors.append(f"group '{path}' should hold datasets 0..{len(kids) - 1}, has {kids}")
            for k in kids:
                d = objects[f"{path}/{k}"]
                if d["type"] != "dataset":
                    continue
                if path == "optimizer/vars" and k == "0":
                    if not d["dtype"].startswith(("int", "uint")) or d["shape"] != []:
                        errors.append(
                            f"'{path}/0' should be the iteration count (integer scalar), "
                            f"is {d['dtype']} {d['shape']}"
                        )
                elif not is_float(d):
                    warnings.append(f"'{path}/{k}' is {d['dtype']}, not floating point")
            continue
        if base == "layers":
            keys = children(path)
            seen = {}
            for k in keys:
                m = SNAKE_KEY.match(k)
                if not m:
                    errors.append(f"'{path}/{k}' is not a snake_case class-name key")
                    continue
                seen.setdefault(m.group(1), set()).add(int(m.group(2) or 0))
            for stem, nums in seen.items():
                # 'dense_1' could also be the class 'Dense1'; only a full run 0..n is certain.
                if 0 in nums and sorted(nums) != list(range(len(nums))):
                    errors.append(f"keys '{stem}', '{stem}_N' in '{path}' skip a number: {sorted(nums)}")
            for k in keys:
                if f"{path}/{k}" in groups and f"{path}/{k}/vars" not in groups:
                    errors.append(f"layer group '{path}/{k}' has no 'vars' group")
            continue
        if f"{path}/vars" not in groups:
            errors.append(f"group '{path}' is neither a 'layers' container nor has 'vars'")
    return errors, warnings


def check_keras_archive(data):
    errors = []
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = z.namelist()
        for required in ("metadata.json", "config.json", "model.weights.h5"):
            if required not in names:
                errors.append(f"the archive has no {required} (members: {names})")
        if "metadata.json" in names:
            meta = json.loads(z.read("metadata.json"))
            if "keras_version" not in meta:
                errors.append("metadata.json has no keras_version")
        if "config.json" in names:
            config = json.loads(z.read("config.json"))
            if not isinstance(config, dict) or "class_name" not in config or "config" not in config:
                errors.append("config.json is not a serialized Keras object")
        weights = z.read("model.weights.h5") if "model.weights.h5" in names else None
    return errors, weights


def check_file(path):
    with open(path, "rb") as fh:
        data = fh.read()
    errors = []
    if data[:4] == b"PK\x03\x04":
        errors, weights = check_keras_archive(data)
        if weights is None:
            return {"file": path, "objects": {}, "errors": errors, "warnings": []}
        data = weights
    with h5py.File(io.BytesIO(data), "r") as f:
        objects = describe(f)
    layout_errors, warnings = check_layout(objects)
    return {"file": path, "objects": objects, "errors": errors + layout_errors, "warnings": warnings}


def main(argv):
    args = [a for a in argv if a != "--json"]
    as_json = len(args) != len(argv)
    if not args or any(a.startswith("-") for a in args):
        print(__doc__.strip().split("\n\n")[-1], file=sys.stderr)
        return 2
    results = []
    for path in args:
        try:
            results.append(check_file(path))
        except (OSError, zipfile.BadZipFile, json.JSONDecodeError, KeyError) as e:
            print(f"{path}: cannot read: {e}", file=sys.stderr)
            return 2
    if as_json:
        print(json.dumps(results, indent=1, default=str))
    else:
        for r in results:
            print(f"== {r['file']}")
            for p, e in sorted(r["objects"].items()):
                if e["type"] == "group":
                    print(f"  {p.rstrip('/')}/  {e['attrs'] or ''}")
                else:
                    print(f"  {p}  {e['dtype']} {e['shape']}  {e['attrs'] or ''}")
            for w in r["warnings"]:
                print(f"  warning: {w}")
            for err in r["errors"]:
                print(f"  ERROR: {err}")
            print(f"  {'OK' if not r['errors'] else 'FAILED'}: Keras 3 layout")
    return 1 if any(r["errors"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
