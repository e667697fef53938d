#!/usr/bin/env python3
"""Reduces each tool's JSON to one shape, so the peers can be compared with sfdc.

Usage: norm.py sfdc|pkl|jsonnet|terraform FILE [ENV]   (prints the normal form)

The normal form, per account: id, kind, parent, cidr, state bucket, ECR
repositories (keep), services (image repository, CPU units, MiB, scale
[min, max], default, window, access), Aurora (capacity [min, max],
auto-pause seconds) and buckets (purpose, expiry seconds, readers).
`sfdc export` is the reference; the peers print this shape themselves
(bench/peers/gen.py), Terraform as the root module's `accounts` output
in `terraform show -json` of a plan.
"""
import json
import os
import re
import sys


def ref(v):
    return v["ref"] if isinstance(v, dict) and "ref" in v else v


def num(v):
    """JSON numbers compare as numbers: 1024.0 (Pkl, Jsonnet) is 1024."""
    return int(v) if isinstance(v, float) and v.is_integer() else v


def from_sfdc(doc):
    accounts = {}
    for name, o in doc["objects"].items():
        if o["kind"] != "account":
            continue
        f = o["fields"]
        a = {"id": f["id"], "kind": f["kind"], "parent": ref(f["parent"]), "cidr": None,
             "state_bucket": o["state"]["bucket"], "ecr": {}, "services": {}, "aurora": {},
             "buckets": {}}
        for c in o.get("children", {}).values():
            k, g = c["kind"], c["fields"]
            if k == "network":
                a["cidr"] = g["cidr"]
            elif k == "ecr":
                a["ecr"][c["name"]] = {"keep": g["keep"]}
            elif k == "service":
                a["services"][c["name"]] = {
                    "image": ref(g["image"]).split(".")[-1], "cpu": g["cpu"], "memory": g["memory"],
                    "scale": [g["scale"]["min"], g["scale"]["max"]], "default": g["default"],
                    "window": g["window"], "access": g["access"]["call"]}
            elif k == "aurora":
                a["aurora"][c["name"]] = {"capacity": [g["capacity"]["min"], g["capacity"]["max"]],
                                          "auto_pause": g["auto_pause"]}
            elif k == "bucket":
                a["buckets"][c["name"]] = {"purpose": g["purpose"], "expire": g["expire"],
                                           "readers": [ref(r) for r in g["readers"]]}
        accounts[name] = a
    return accounts


def from_pkl(doc, env):
    """Pkl prints its whole checked model (bench/peers/gen.py); the normal
    form is read from it as from sfdc's export."""
    accounts = {}
    for a in doc["environments"][env]["accounts"]:
        accounts[a["name"]] = {
            "id": a["id"], "kind": a["kind"], "parent": a["parent"], "cidr": a["cidr"],
            "state_bucket": a["stateBucket"],
            "ecr": {k: {"keep": e["keep"]} for k, e in a["ecr"].items()},
            "services": {k: {"image": s["image"]["name"], "cpu": s["cpu"], "memory": s["memory"],
                             "scale": [s["scale"]["min"], s["scale"]["max"]], "default": s["default"],
                             "window": s["window"], "access": s["access"]}
                         for k, s in a["services"].items()},
            "aurora": {k: {"capacity": [d["capacity"]["min"], d["capacity"]["max"]],
                           "auto_pause": d["autoPause"]} for k, d in a["aurora"].items()},
            "buckets": {k: {"purpose": b["purpose"], "expire": b["expire"], "readers": b["readers"]}
                        for k, b in a["buckets"].items()}}
    return accounts


def canon(v):
    if isinstance(v, dict):
        return {k: canon(x) for k, x in sorted(v.items())}
    if isinstance(v, list):
        return [canon(x) for x in v]
    return num(v)


def load(tool, path, env="stage"):
    """Environment env's accounts: `sfdc export --env ENV` prints one
    environment; Pkl (its whole model) and Jsonnet print both
    (`environments.ENV`); the
    Terraform root describes stage only."""
    with open(path) as f:
        doc = json.load(f)
    if tool == "sfdc":
        return canon(from_sfdc(doc))
    if tool == "terraform":
        return canon(doc["planned_values"]["outputs"]["accounts"]["value"])
    if tool == "pkl":
        return canon(from_pkl(doc, env))
    return canon(doc["environments"][env]["accounts"])


# sfdc's own bookkeeping of what it wrote (safe writes, `--check`): no peer writes these
TREE_SKIP = {".sfdc-manifest", ".sfdc-stamps"}


def tree(root):
    """A written tree: {path: (bytes, normal form)}. plan.json's normal form
    is its JSON without source_hash and generator (the source's hash and the
    tool's name); a text file's is its text without blanks, and without the
    comma HCL allows after a list's last item (so layout and alignment do not
    count, every token does)."""
    files = {}
    for d, _, names in os.walk(root):
        for name in names:
            path = os.path.join(d, name)
            rel = os.path.relpath(path, root)
            if rel in TREE_SKIP:
                continue
            with open(path, "rb") as f:
                raw = f.read()
            if name == "plan.json":
                doc = json.loads(raw)
                doc.pop("source_hash", None)
                doc.pop("generator", None)
                files[rel] = (raw, canon(doc))
            else:
                files[rel] = (raw, re.sub(r"\s+", "", raw.decode()).replace(",]", "]"))
    return files


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit("usage: norm.py sfdc|pkl|jsonnet|terraform FILE [ENV]")
    json.dump(load(*sys.argv[1:]), sys.stdout, indent=1, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
