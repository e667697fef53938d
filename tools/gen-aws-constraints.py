#!/usr/bin/env python3
"""gen-aws-constraints.py — writes stdlib/aws/constraints.json from botocore.

`sfdc check` promises that what it accepts, AWS accepts. The values sfdc
emits reach AWS API parameters, through the Terraform modules
(stdlib/modules) or the runtime plan's operations. stdlib/aws/
constraint-map.json says which parameter each module input and plan
argument lands in (or why it is free); this script looks every named
parameter up in botocore's service models and writes its length, pattern,
range and enum constraints, merged with the hand-written rules of the map's
`manual` section (each with its documentation source) where the models are
silent.

Output: `names`, the parameters each name sfdc derives must satisfy (from the
map's `names`), and, per parameter "service.Operation.Member[.Member...]"
(or "module.MODULE.VARIABLE" for a module's own validation):
  type         botocore's shape type (string, integer, double, list, ...)
  min, max     length of a string, or item count of a list
  range_min, range_max   bounds of a number
  step         granularity of a number (manual only)
  enum         allowed values
  pattern      botocore's regular expression, as written (Java syntax)
  ere          the same as a POSIX extended regular expression, when it
               translates (compiler/awsconstraints.c matches with it, anchored)
  _source      where each constraint comes from

botocore is needed only when regenerating (dev time); the output is
committed and deterministic (keys sorted, 1-space indent).

Usage: tools/gen-aws-constraints.py [--check] [OUT]
  (default stdlib/aws/constraints.json; --check: exit 1 if OUT is stale)
"""
import gzip
import json
import os
import re
import sys

import botocore

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
MAP = os.path.join(ROOT, "stdlib", "aws", "constraint-map.json")


def load_model(data_dir, service):
    sdir = os.path.join(data_dir, service)
    version = sorted(os.listdir(sdir))[-1]
    path = os.path.join(sdir, version, "service-2.json")
    if os.path.exists(path):
        with open(path) as f:
            return json.load(f), version
    with gzip.open(path + ".gz") as f:
        return json.load(f), version


def resolve(models, data_dir, param):
    """The botocore shape of param, its name and the model version, or None."""
    svc, op, *members = param.split(".")
    if svc not in models:
        try:
            models[svc] = load_model(data_dir, svc)
        except FileNotFoundError:
            models[svc] = None
    if models[svc] is None:
        return None
    model, version = models[svc]
    if op not in model["operations"] or "input" not in model["operations"][op]:
        return None
    shapes = model["shapes"]
    name = model["operations"][op]["input"]["shape"]
    shape = shapes[name]
    for m in members:
        if shape["type"] == "list":
            name = shape["member"]["shape"]
            shape = shapes[name]
        if shape["type"] != "structure" or m not in shape.get("members", {}):
            return None
        name = shape["members"][m]["shape"]
        shape = shapes[name]
    return shape, name, version, shapes


# ---- Java regular expressions to POSIX ERE (the subset botocore uses) ----

CLASS_ESC = {"w": "A-Za-z0-9_", "d": "0-9"}
OUT_ESC = {"w": "[A-Za-z0-9_]", "d": "[0-9]"}
ERE_SPECIAL = set(".[]()*+?{}|^$\\")


def _uchar(p, i):
    """The character of a \\uXXXX escape at p[i] (the backslash), or None."""
    h = p[i + 2:i + 6]
    if len(h) == 4 and all(c in "0123456789abcdefABCDEF" for c in h):
        code = int(h, 16)
        if 0x20 < code < 0x7F:
            return chr(code)
    return None


def _class(p, i):
    """Translates the bracket expression at p[i] ('['); (text, next) or None."""
    i += 1
    items, dash = [], False
    if i < len(p) and p[i] == "^":
        return None
    while i < len(p) and p[i] != "]":
        c = p[i]
        if c == "\\":
            e = p[i + 1] if i + 1 < len(p) else ""
            if e in CLASS_ESC:
                items.append(CLASS_ESC[e])
                i += 2
                continue
            if e == "u":
                ch = _uchar(p, i)
                if ch is None:
                    return None
                items.append(ch)
                i += 6
                continue
            if e in "-.()/\\+*?[]{}$^|_@:=,#&;!":
                if e == "-":
                    dash = True
                elif e in "[]\\^":
                    return None
                else:
                    items.append(e)
                i += 2
                continue
            return None
        if c == "-" and (not items or (i + 1 < len(p) and p[i + 1] == "]")):
            dash = True
            i += 1
            continue
        if c == "[":
            return None
        items.append(c)
        i += 1
    if i >= len(p):
        return None
    body = "".join(items)
    if "]" in body:
        return None
    return "[" + body + ("-" if dash else "") + "]", i + 1


def to_ere(p):
    """botocore pattern p as a POSIX ERE, or None when it uses more than
    ERE has (look-arounds, Unicode properties, non-ASCII)."""
    if p.startswith("^"):
        p = p[1:]
    if p.endswith("$") and not p.endswith("\\$"):
        p = p[:-1]
    out, i = [], 0
    while i < len(p):
        c = p[i]
        if c == "[":
            r = _class(p, i)
            if r is None:
                return None
            out.append(r[0])
            i = r[1]
        elif c == "\\":
            e = p[i + 1] if i + 1 < len(p) else ""
            if e in OUT_ESC:
                out.append(OUT_ESC[e])
                i += 2
            elif e == "u":
                ch = _uchar(p, i)
                if ch is None:
                    return None
                out.append("\\" + ch if ch in ERE_SPECIAL else ch)
                i += 6
            elif e in "./()-+*?{}|$^\\[]":
                out.append(e if e in "/-" else "\\" + e)
                i += 2
            else:
                return None
        elif c == "(" and p.startswith("(?", i):
            if not p.startswith("(?:", i):
                return None
            out.append("(")
            i += 3
        elif ord(c) > 0x7E:
            return None
        else:
            out.append(c)
            i += 1
    return "".join(out)


# ---- constraints -----------------------------------------------------------

NUMERIC = ("integer", "long", "double", "float")


def from_botocore(shape, name, service, version, shapes):
    out = {"type": shape["type"]}
    if shape["type"] == "list":
        member = shapes[shape["member"]["shape"]]
        items = from_botocore(member, shape["member"]["shape"], service, version, shapes)
        items.pop("_source", None)
        if len(items) > 1:
            out["items"] = items
    num = shape["type"] in NUMERIC
    if "min" in shape:
        out["range_min" if num else "min"] = shape["min"]
    if "max" in shape:
        out["range_max" if num else "max"] = shape["max"]
    if "enum" in shape:
        out["enum"] = shape["enum"]
    if "pattern" in shape:
        out["pattern"] = shape["pattern"]
        ere = to_ere(shape["pattern"])
        if ere is not None:
            out["ere"] = ere
    keys = [k for k in out if k not in ("type", "items")]
    if "items" in out:
        keys.append("items")
    if keys:
        out["_source"] = "botocore %s %s, shape %s" % (service, version, name)
    return out


def merge(auto, manual):
    """botocore's constraints, with the manual rule filling what it lacks
    (or replacing them, with `_override`: botocore's TableName admits ARNs)."""
    out = dict(auto)
    override = manual.get("_override", False)
    added = [k for k in manual if not k.startswith("_") and (override or k not in auto)]
    for k in added:
        out[k] = manual[k]
    if added:
        src = manual.get("_source", "manual")
        out["_source"] = out["_source"] + "; " + src if "_source" in out else src
    return out


def name_params(cmap, section="names"):
    """The names (or fields) section: kind -> parameters, lists only."""
    return {k: v for k, v in cmap[section].items() if isinstance(v, list)}


def referenced(cmap):
    params = set(cmap["manual"])
    for plist in list(name_params(cmap).values()) + list(name_params(cmap, "fields").values()):
        params.update(plist)
    for table in (cmap["inputs"], cmap["plan"]):
        for entries in table.values():
            for target in entries.values():
                if not target.startswith("free:"):
                    params.add(target)
    return sorted(params)


def generate():
    with open(MAP) as f:
        cmap = json.load(f)
    data_dir = os.path.join(os.path.dirname(botocore.__file__), "data")
    models, params, missing = {}, {}, []
    for p in referenced(cmap):
        r = resolve(models, data_dir, p)
        auto = from_botocore(r[0], r[1], p.split(".")[0], r[2], r[3]) if r else {}
        if not r and p not in cmap["manual"]:
            missing.append(p)
            continue
        params[p] = merge(auto, cmap["manual"].get(p, {}))
    if missing:
        sys.exit("gen-aws-constraints: not in botocore and no manual rule: " + ", ".join(missing))
    doc = {
        "comment": "generated by tools/gen-aws-constraints.py from botocore models and "
                   "stdlib/aws/constraint-map.json; do not edit",
        "botocore": botocore.__version__,
        "names": name_params(cmap),
        "fields": name_params(cmap, "fields"),
        "params": params,
    }
    return json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=True) + "\n"


def main(argv):
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    out = args[0] if args else os.path.join(ROOT, "stdlib", "aws", "constraints.json")
    text = generate()
    if check:
        with open(out) as f:
            if f.read() != text:
                print("%s is stale: run tools/gen-aws-constraints.py" % out)
                return 1
        return 0
    with open(out, "w") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
