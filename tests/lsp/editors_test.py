#!/usr/bin/env python3
"""Validates editors/: the VS Code manifest and the TextMate grammar are
JSON with the fields an editor reads, every file they name exists, every
grammar regex compiles, `include`s resolve, and the grammar's rules scope a
few lines of sfd as expected. Usage: editors_test.py EDITORS_DIR"""
import json
import os
import re
import sys

root = sys.argv[1]
passed = failed = 0


def check(name, cond, why=""):
    global passed, failed
    if cond:
        passed += 1
        print("ok   editors: " + name)
    else:
        failed += 1
        print("FAIL editors: %s: %s" % (name, why))


def load(path):
    try:
        with open(os.path.join(root, path)) as f:
            return json.load(f)
    except Exception as e:
        check(path + " is JSON", False, e)
        return None


pkg = load("vscode/package.json")
gram = load("vscode/syntaxes/sfd.tmLanguage.json")
conf = load("vscode/language-configuration.json")
check("manifest, grammar and language configuration are JSON", pkg and gram and conf is not None)
if pkg:
    need = ["name", "version", "publisher", "engines", "main", "contributes", "activationEvents"]
    check("manifest has the fields VS Code requires", all(k in pkg for k in need) and
          "vscode" in pkg["engines"], [k for k in need if k not in pkg])
    check("manifest's main script exists", os.path.isfile(os.path.join(root, "vscode", pkg.get("main", ""))))
    langs = pkg["contributes"].get("languages", [])
    check("manifest declares the sfd language for .sfd",
          any(l["id"] == "sfd" and ".sfd" in l["extensions"] for l in langs), langs)
    grams = pkg["contributes"].get("grammars", [])
    check("manifest's grammar path exists and its scope matches",
          grams and os.path.isfile(os.path.join(root, "vscode", grams[0]["path"])) and
          gram and grams[0]["scopeName"] == gram.get("scopeName"), grams)
    check("language configuration exists",
          all(os.path.isfile(os.path.join(root, "vscode", l["configuration"])) for l in langs))
    js = open(os.path.join(root, "vscode", pkg["main"])).read()
    check("client script starts `sfdc lsp`", "'lsp'" in js and "LanguageClient" in js)

regexes, includes = [], []


def walk(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k in ("match", "begin", "end") and isinstance(v, str):
                regexes.append(v)
            elif k == "include":
                includes.append(v)
            else:
                walk(v)
    elif isinstance(node, list):
        for v in node:
            walk(v)


if gram:
    walk(gram)
    bad = []
    for r in regexes:
        try:
            re.compile(r)
        except re.error as e:
            bad.append((r, str(e)))
    check("grammar: %d regexes compile" % len(regexes), regexes and not bad, bad)
    repo = gram.get("repository", {})
    missing = [i for i in includes if i.startswith("#") and i[1:] not in repo]
    check("grammar: every include resolves", not missing, missing)

    def scope_of(rule, line, group):
        m = re.search(repo[rule]["match"], line)
        return m and m.group(group)
    check("grammar: a block's kind and label",
          scope_of("block", "  service daemon {", 1) == "service" and
          scope_of("block", "  service daemon {", 2) == "daemon")
    check("grammar: an attribute and a dotted override",
          scope_of("attribute", "  cpu = 0.25 vcpu", 1) == "cpu" and
          scope_of("attribute", "  la-camden.service.daemon.memory = 2 GiB", 1) ==
          "la-camden.service.daemon.memory")
    num = [p for p in repo["expression"]["patterns"] if "captures" in p][0]["match"]
    m = re.search(num, "memory = 512 MiB")
    check("grammar: a quantity and its unit", m and m.group(1) == "512" and m.group(2) == "MiB")
    doc = repo["comments"]["patterns"][0]["match"]
    check("grammar: doc comments", re.search(doc, "/// documented") is not None)
print("%d passed, %d failed" % (passed, failed))
