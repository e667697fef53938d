#!/usr/bin/env python3
"""Scripted JSON-RPC client tests for `sfdc lsp`: every method the server
implements, and the bad inputs it must survive. Usage:
    test_lsp.py SFDC STDLIB EXAMPLES_DIR
Prints `ok NAME` / `FAIL NAME: why` and ends with `N passed, N failed`."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lspclient import Client, uri, pos, apply_edits  # noqa: E402

SFDC, STDLIB, EXAMPLES = sys.argv[1:4]
passed = failed = 0


def check(name, cond, why=""):
    global passed, failed
    if cond:
        passed += 1
        print("ok   " + name)
    else:
        failed += 1
        print("FAIL %s: %s" % (name, why))


def run(name, fn):
    global failed
    try:
        fn()
    except Exception as e:  # a crash of one scenario is one failure
        failed += 1
        print("FAIL %s: %s: %s" % (name, type(e).__name__, e))


tmp = tempfile.mkdtemp(prefix="sfdc-lsp-")
ws = os.path.join(tmp, "sfdata")
shutil.copytree(EXAMPLES, ws)
LA = os.path.join(ws, "la.sfd")
CORE = os.path.join(ws, "core.sfd")
ENVS = os.path.join(ws, "environments.sfd")
la_text = open(LA).read()


def sfdc_check_json(files_text):
    """`sfdc check --diag-format=json` over a copy of the workspace with
    files_text ({path: text}) written: the reference diagnostics."""
    d = tempfile.mkdtemp(dir=tmp)
    for f in os.listdir(ws):
        shutil.copy(os.path.join(ws, f), d)
    for p, t in files_text.items():
        open(os.path.join(d, os.path.basename(p)), "w").write(t)
    out = subprocess.run([SFDC, "check", "--stdlib", STDLIB, "--diag-format=json", d],
                         capture_output=True, text=True).stdout
    res = []
    for line in out.splitlines():
        j = json.loads(line)
        res.append((os.path.basename(j["file"]), j["code"], j["line"] - 1, j["col"] - 1,
                    j["end_line"] - 1, j["end_col"] - 1))
    return sorted(res)


def lsp_tuples(diags_by_uri):
    res = []
    for u, ds in diags_by_uri.items():
        for d in ds:
            r = d["range"]
            res.append((os.path.basename(u), d["code"], r["start"]["line"], r["start"]["character"],
                        r["end"]["line"], r["end"]["character"]))
    return sorted(res)


def open_doc(c, path, text=None, version=1):
    text = open(path).read() if text is None else text
    c.notify("textDocument/didOpen", {"textDocument": {"uri": uri(path), "languageId": "sfd",
                                                       "version": version, "text": text}})
    return text


def td(path):
    return {"textDocument": {"uri": uri(path)}}


def at(path, text, needle, nth=0, offset=0):
    p = td(path)
    p["position"] = pos(text, needle, nth, offset)
    return p


def main_session():
    c = Client(SFDC, STDLIB)
    init = c.initialize(ws)
    caps = init["result"]["capabilities"]
    check("initialize: capabilities", caps["textDocumentSync"]["change"] == 2 and caps["hoverProvider"]
          and caps["renameProvider"] and "semanticTokensProvider" in caps, json.dumps(caps)[:200])
    text = open_doc(c, LA)
    d = c.diagnostics(uri(LA))
    check("didOpen: clean file has no diagnostics", d["diagnostics"] == [] and d["version"] == 1, d)

    # incremental change: a typo in a block kind
    i = la_text.index("service daemon")
    p = pos(text, "service daemon")
    c.notify("textDocument/didChange", {
        "textDocument": {"uri": uri(LA), "version": 2},
        "contentChanges": [{"range": {"start": p, "end": {"line": p["line"], "character": p["character"] + 7}},
                            "text": "servce"}]})
    text = text[:i] + "servce" + text[i + 7:]
    d = c.diagnostics(uri(LA))
    codes = [x["code"] for x in d["diagnostics"]]
    check("didChange (incremental): E0305 for a misspelt kind", "E0305" in codes and d["version"] == 2, codes)
    want = [t for t in sfdc_check_json({LA: text})]
    de = c.diagnostics(uri(ENVS))   # its override names the block that is gone
    got = lsp_tuples({uri(LA): d["diagnostics"], uri(ENVS): de["diagnostics"]})
    check("diagnostics: same codes and ranges as sfdc check", got == want, "%s vs %s" % (got, want))

    # quick fix for the did-you-mean
    diag = [x for x in d["diagnostics"] if x["code"] == "E0305"][0]
    r = c.request("textDocument/codeAction", {**td(LA), "range": diag["range"],
                                               "context": {"diagnostics": [diag]}})
    acts = r["result"]
    fix = [a for a in acts if "service" in a["title"]]
    check("codeAction: did-you-mean quick fix", fix and fix[0]["kind"] == "quickfix", acts)
    fixed = apply_edits(text, fix[0]["edit"]["changes"][uri(LA)])
    check("codeAction: the fix restores the text", fixed == la_text, fixed[:80])
    text = fixed
    c.notify("textDocument/didChange", {"textDocument": {"uri": uri(LA), "version": 3},
                                        "contentChanges": [{"text": text}]})
    d = c.diagnostics(uri(LA))
    de = c.diagnostics(uri(ENVS))
    check("didChange (full): clean again, other files cleared", d["diagnostics"] == [] and
          de["diagnostics"] == [], (d["diagnostics"], de))

    # stale change: version not newer is dropped
    c.notify("textDocument/didChange", {"textDocument": {"uri": uri(LA), "version": 3},
                                        "contentChanges": [{"text": "garbage {{{"}]})
    r = c.request("textDocument/documentSymbol", td(LA))
    names = [s["name"] for s in r["result"]]
    check("stale didChange is dropped", "local_authority" in names, names)
    r = c.request("textDocument/hover", {"textDocument": {"uri": uri(LA), "version": 1},
                                         "position": {"line": 0, "character": 0}})
    check("request for a stale version: ContentModified", r.get("error", {}).get("code") == -32801, r)

    # a request followed by a change of its document (both already sent) is outdated
    import json as _json
    hov = _json.dumps({"jsonrpc": "2.0", "id": 555, "method": "textDocument/hover",
                       "params": at(LA, text, "memory = 1 GiB")}).encode()
    chg = {"jsonrpc": "2.0", "method": "textDocument/didChange",
           "params": {"textDocument": {"uri": uri(LA), "version": 4},
                      "contentChanges": [{"text": text}]}}
    chgb = _json.dumps(chg).encode()
    c.send_raw(b"Content-Length: %d\r\n\r\n%s" % (len(hov), hov) + b"Content-Length: %d\r\n\r\n%s" % (len(chgb), chgb))
    r = c.wait_response(555)
    check("request with a change of its document waiting: ContentModified",
          r.get("error", {}).get("code") == -32801, r)
    c.drain(0.2)

    # $/cancelRequest: a request whose cancellation is already waiting is
    # answered RequestCancelled; a cancellation of an answered request, or
    # of an unknown id, is ignored (no second answer, nothing on the wire)
    def frame(m):
        b = _json.dumps(m).encode()
        return b"Content-Length: %d\r\n\r\n%s" % (len(b), b)
    hov = {"jsonrpc": "2.0", "id": 556, "method": "textDocument/hover",
           "params": at(LA, text, "memory = 1 GiB")}
    cancel = {"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": 556}}
    c.send_raw(frame(hov) + frame(cancel))
    r = c.wait_response(556)
    check("$/cancelRequest waiting: RequestCancelled", r.get("error", {}).get("code") == -32800, r)
    hov["id"] = "s-557"                                     # string ids too
    cancel["params"]["id"] = "s-557"
    c.send_raw(frame(hov) + frame(cancel))
    r = c.wait_response("s-557")
    check("$/cancelRequest with a string id", r.get("error", {}).get("code") == -32800, r)
    hov["id"] = 558                                         # another id's cancel: answered
    cancel["params"]["id"] = 999
    c.send_raw(frame(hov) + frame(cancel))
    r = c.wait_response(558)
    check("$/cancelRequest of another id leaves the request", "memory" in json.dumps(r.get("result")), r)
    r = c.request("textDocument/hover", at(LA, text, "memory = 1 GiB"))
    c.notify("$/cancelRequest", {"id": r["id"]})           # already answered
    c.drain(0.3)
    check("$/cancelRequest after the answer: nothing more sent", r["id"] not in c.responses and
          not [m for m in c.notes if m["method"] == "window/logMessage" and "cancel" in json.dumps(m)],
          c.responses)

    # hover: explain's value, type, doc and per-environment value with provenance
    r = c.request("textDocument/hover", at(LA, text, "memory = 1 GiB"))
    v = r["result"]["contents"]["value"] if r.get("result") else ""
    check("hover: final value and type", "la-camden.service.daemon.memory = 1 GiB" in v and "type:" in v, v[:300])
    check("hover: environment value with provenance", "in `prod`: `2 GiB`, set by the override at" in v
          and "environments.sfd:" in v, v[:900])
    check("hover: other expansions listed", "la-hackney" in v, v[-300:])
    envs_text = open(ENVS).read()
    r = c.request("textDocument/hover", at(ENVS, envs_text, "memory = 2 GiB"))
    v = r["result"]["contents"]["value"] if r.get("result") else ""
    check("hover: a field in an environment's dotted override", "la-camden.service.daemon.memory = 1 GiB" in v
          and "in `prod`: `2 GiB`" in v, v[:300])
    r = c.request("textDocument/hover", at(LA, text, "cidr = cidr", 0, 8))
    v = r["result"]["contents"]["value"] if r.get("result") else ""
    check("hover: a template parameter's declaration", "parameter cidr: cidr" in v, v)
    r = c.request("textDocument/hover", at(LA, text, "in las", 0, 3))
    v = r["result"]["contents"]["value"] if r.get("result") else ""
    check("hover: a let's declaration", "let las = [" in v, v)
    r = c.request("textDocument/hover", at(LA, text, "service daemon"))
    v = r["result"]["contents"]["value"] if r.get("result") else ""
    check("hover: a block kind shows the object", "la-camden.service.daemon: service" in v, v[:200])

    # definition and references
    core_text = open(CORE).read()
    r = c.request("textDocument/definition", at(LA, text, "parent = core", 0, 9))
    loc = r["result"]
    check("definition: account across files", loc and loc["uri"] == uri(CORE) and
          loc["range"]["start"] == pos(core_text, "core {"), loc)
    r = c.request("textDocument/definition", at(LA, text, "core.ecr.dagster", 0, 10))
    loc = r["result"]
    check("definition: a dotted reference to a resource", loc and loc["uri"] == uri(CORE) and
          loc["range"]["start"] == pos(core_text, "dagster {"), loc)
    r = c.request("textDocument/references", {**at(LA, text, "cidr: cidr"), "context": {"includeDeclaration": True}})
    check("references: a template parameter", len(r["result"]) == 2, r["result"])
    r = c.request("textDocument/references", {**at(LA, text, "use local_authority", 0, 4),
                                              "context": {"includeDeclaration": True}})
    check("references: a template and its use", sorted(x["range"]["start"]["line"] for x in r["result"]) ==
          [pos(text, "local_authority(code")["line"], pos(text, "use local_authority")["line"]], r["result"])
    r = c.request("textDocument/definition", at(LA, text, "la.cidr[env]", 0, 3))
    check("definition: a `for` variable's field is not mistaken for anything", r.get("result", 1) is None, r)
    r = c.request("textDocument/references", {**at(CORE, core_text, "dagster {"),
                                              "context": {"includeDeclaration": True}})
    uris = sorted(os.path.basename(x["uri"]) for x in r["result"])
    check("references: a resource, across files", uris == ["core.sfd", "la.sfd", "la.sfd", "la.sfd"], uris)

    # rename: a template parameter; then a clash is refused
    r = c.request("textDocument/prepareRename", at(LA, text, "cidr: cidr"))
    check("prepareRename: a parameter", r.get("result") and r["result"]["start"] == pos(text, "cidr: cidr"), r)
    r = c.request("textDocument/rename", {**at(LA, text, "cidr: cidr"), "newName": "net"})
    edits = r["result"]["changes"][uri(LA)]
    renamed = apply_edits(text, edits)
    check("rename: parameter and its uses", "net: cidr" in renamed and "cidr = net" in renamed and
          len(edits) == 2, edits)
    r = c.request("textDocument/rename", {**at(LA, text, "code: name"), "newName": "id"})
    check("rename: a clash is refused", "error" in r and "parameter" in r["error"]["message"], r)
    r = c.request("textDocument/rename", {**at(CORE, core_text, "dagster {"), "newName": "images"})
    ch = r["result"]["changes"]
    check("rename: a resource across files", len(ch.get(uri(CORE), [])) == 1 and len(ch.get(uri(LA), [])) == 3, ch)
    r = c.request("textDocument/rename", {**at(CORE, core_text, "core {"), "newName": "hub"})
    ch = r.get("result", {}).get("changes", {})
    new_core = apply_edits(core_text, ch.get(uri(CORE), []))
    new_la = apply_edits(text, ch.get(uri(LA), []))
    check("rename: an account, not the enum member of the same name",
          "account hub {\n  kind = core" in new_core and "parent = hub" in new_core and
          new_la.count("hub.ecr.dagster") == 3 and "vpn(hub.vpn)" in new_la and "parent = hub" in new_la,
          (new_core[:300], ch))
    r = c.request("textDocument/rename", {**at(CORE, core_text, "core {"), "newName": "org"})
    check("rename: an account onto another account is refused", "error" in r, r)
    r = c.request("textDocument/rename", {**at(LA, text, "las"), "newName": "authorities"})
    check("rename: a let", len(r["result"]["changes"][uri(LA)]) == 2, r)
    r = c.request("textDocument/rename", {**at(LA, text, "code: name"), "newName": "9bad"})
    check("rename: not an identifier is refused", "error" in r, r)
    r = c.request("textDocument/rename", {**at(LA, text, "code: name"), "newName": "for"})
    check("rename: a keyword is refused", "error" in r and "keyword" in r["error"]["message"], r)

    # a template parameter used inside an interpolated label is renamed there too
    r = c.request("textDocument/rename", {**at(LA, text, "code: name"), "newName": "la_code"})
    renamed = apply_edits(text, r["result"]["changes"][uri(LA)])
    check("rename: a parameter inside an interpolation", 'account "la-${la_code}"' in renamed and
          "local_authority(la_code: name" in renamed and "la.code" in renamed, renamed[:400])
    # an account named by an interpolated label: refused, saying where the name comes from
    envs_text = open(ENVS).read()
    for label, where in (("prepareRename", {}), ("rename", {"newName": "la-kamden"})):
        r = c.request("textDocument/" + label, {**at(ENVS, envs_text, "la-camden.service"), **where})
        msg = r.get("error", {}).get("message", "")
        check("%s: an account from an interpolated label is refused, with the reason" % label,
              r.get("error", {}).get("code") == -32803 and '`la-camden` is named by the label `"la-${code}"` at '
              in msg and "la.sfd:12:11" in msg and "computed" in msg, r)

    # `for` variables: definition, references, hover, rename, clashes
    loop = pos(text, "for la in las", 0, 4)
    r = c.request("textDocument/definition", at(LA, text, "la.cidr[env]"))
    check("definition: a `for` variable's use", r.get("result") and r["result"]["range"]["start"] == loop, r)
    r = c.request("textDocument/references", {**at(LA, text, "la.code"), "context": {"includeDeclaration": True}})
    lines = sorted((x["range"]["start"]["line"], x["range"]["start"]["character"]) for x in r.get("result", []))
    use = pos(text, "la.code")
    check("references: a `for` variable", lines == [(loop["line"], loop["character"]),
          (use["line"], use["character"]), (use["line"], pos(text, "la.id[env]")["character"]),
          (use["line"], pos(text, "la.cidr[env]")["character"])], lines)
    r = c.request("textDocument/hover", at(LA, text, "la.id[env]"))
    v = r["result"]["contents"]["value"] if r.get("result") else ""
    check("hover: a `for` variable shows its loop", "for la in las" in v and "{" not in v, v)
    r = c.request("textDocument/prepareRename", at(LA, text, "for la in las", 0, 4))
    check("prepareRename: a `for` variable", r.get("result") and r["result"]["start"] == loop, r)
    r = c.request("textDocument/rename", {**at(LA, text, "la.code"), "newName": "authority"})
    renamed = apply_edits(text, r["result"]["changes"][uri(LA)])
    check("rename: a `for` variable and its uses", "for authority in las" in renamed and
          "use local_authority(authority.code, authority.id[env], authority.cidr[env])" in renamed and
          'account "la-${code}"' in renamed, renamed[-300:])
    for name, why in (("las", "`let`"), ("core", "account"), ("env", "`env`")):
        r = c.request("textDocument/rename", {**at(LA, text, "la.code"), "newName": name})
        check("rename: a `for` variable onto a visible %s is refused" % name,
              why in r.get("error", {}).get("message", ""), r)

    # symbols
    r = c.request("textDocument/documentSymbol", td(CORE))
    names = [s["name"] for s in r["result"]]
    kids = [k["name"] for s in r["result"] if s["name"] == "core" for k in s.get("children", [])]
    check("documentSymbol: hierarchy", names[:2] == ["core", "org"] and "dagster" in kids, (names, kids))
    r = c.request("workspace/symbol", {"query": "camden.daemon"})
    names = [s["name"] for s in r["result"]]
    check("workspace/symbol: expanded objects", "la-camden.service.daemon" in names, names)

    # completion: fields with docs, units, enum values, references
    edit_base = text
    i = text.index("      spot = true")
    text2 = text[:i] + "      \n" + text[i:]
    c.notify("textDocument/didChange", {"textDocument": {"uri": uri(LA), "version": 5},
                                        "contentChanges": [{"text": text2}]})
    r = c.request("textDocument/completion", {**td(LA), "position": pos(text2, "      \n      spot", 0, 6)})
    items = {x["label"]: x for x in r["result"]}
    check("completion: fields of the block's kind, with docs", "cpu" in items and "memory" in items and
          "Task count" in items["scale"]["documentation"]["value"] and
          "0.25 vcpu" in items["cpu"]["documentation"]["value"], list(items)[:10])
    for k, (label, line, want) in enumerate([("units", "      cpu = 1 ", "vcpu"), ("enum", "      launch_type = ", None),
                                             ("reference", "      image = core.ecr.", "dagster")]):
        t3 = text[:i] + line + "\n" + text[i:]
        c.notify("textDocument/didChange", {"textDocument": {"uri": uri(LA), "version": 6 + k},
                                            "contentChanges": [{"text": t3}]})
        r = c.request("textDocument/completion", {**td(LA), "position": pos(t3, line + "\n", 0, len(line))})
        got = [x["label"] for x in r["result"]]
        ok = (want in got) if want else any(x["kind"] == 20 for x in r["result"])
        check("completion: " + label, ok and (label != "units" or "GiB" not in got), got[:12])
    c.notify("textDocument/didChange", {"textDocument": {"uri": uri(LA), "version": 20},
                                        "contentChanges": [{"text": edit_base}]})
    text = edit_base

    # inlay hints and semantic tokens
    r = c.request("textDocument/inlayHint", {**td(LA), "range": {"start": {"line": 0, "character": 0},
                                                                 "end": {"line": 999, "character": 0}}})
    labels = [h["label"] for h in r["result"]]
    check("inlayHint: template argument values", any("10.1.0.0/16" in l and "10.3.0.0/16" in l for l in labels), labels)
    check("inlayHint: environment override", any("prod: 2 GiB" in l for l in labels), labels)
    r = c.request("textDocument/semanticTokens/full", td(LA))
    data = r["result"]["data"]
    check("semanticTokens: encoded tokens", len(data) > 50 and len(data) % 5 == 0, len(data))
    legend = caps["semanticTokensProvider"]["legend"]["tokenTypes"]
    toks, line, col = {}, 0, 0
    for k in range(0, len(data), 5):
        dl, dc, n, ty = data[k:k + 4]
        line, col = line + dl, (col + dc if dl == 0 else dc)
        toks[(line, col)] = (n, legend[ty])
    lines = text.split("\n")

    def tok_at(needle):
        p = pos(text, needle)
        return toks.get((p["line"], p["character"]))
    check("semanticTokens: kinds, fields, templates, parameters, comments",
          tok_at("service daemon") == (7, "type") and tok_at("cpu = 0.25") == (3, "property") and
          tok_at("local_authority(code") == (15, "function") and tok_at("cidr = cidr") == (4, "property") and
          toks.get((pos(text, "cidr = cidr")["line"], pos(text, "cidr = cidr", 0, 7)["character"])) == (4, "parameter")
          and tok_at("# One template") == (len(lines[0]), "comment") and
          toks.get((pos(text, "kind = la")["line"], pos(text, "kind = la", 0, 7)["character"])) == (2, "enumMember"),
          sorted(toks.items())[:12])

    # cross-file: breaking core.sfd re-checks la.sfd (which imports it)
    c.notes.clear()     # every earlier publish arrived before the last response
    core_bad = core_text.replace("ecr dagster", "ecr images")
    open_doc(c, CORE, core_bad)
    dla = c.diagnostics(uri(LA))
    check("a change in an imported file re-checks its importers",
          any(x["code"].startswith("E03") for x in dla["diagnostics"]), dla["diagnostics"])
    c.notify("textDocument/didClose", td(CORE))
    dla = c.diagnostics(uri(LA))
    check("didClose: the file on disk is used again", dla["diagnostics"] == [], dla["diagnostics"])

    # waiver quick fix and related locations
    j = text.index("      default = off")
    t4 = text[:j] + "      public_ip = true\n" + text[j:]
    c.notify("textDocument/didChange", {"textDocument": {"uri": uri(LA), "version": 30},
                                        "contentChanges": [{"text": t4}]})
    d = c.diagnostics(uri(LA))
    e = [x for x in d["diagnostics"] if x["code"] == "E0604"]
    check("related locations from labels", e and e[0]["relatedInformation"] and
          e[0]["relatedInformation"][0]["location"]["uri"] == uri(LA), e)
    r = c.request("textDocument/codeAction", {**td(LA), "range": e[0]["range"], "context": {"diagnostics": e}})
    waiver = [a for a in r["result"] if "@allow(E0604" in a["title"]]
    t5 = apply_edits(t4, waiver[0]["edit"]["changes"][uri(LA)]) if waiver else t4
    check("codeAction: @allow waiver", '      @allow(E0604, "reason")\n      public_ip = true' in t5, t5[j - 40:j + 80])
    c.notify("textDocument/didChange", {"textDocument": {"uri": uri(LA), "version": 31},
                                        "contentChanges": [{"text": t5}]})
    d = c.diagnostics(uri(LA))
    check("the waiver silences the finding", not [x for x in d["diagnostics"] if x["code"] == "E0604"],
          d["diagnostics"])
    c.notify("textDocument/didSave", {**td(LA), "text": t5})
    c.drain(0.3)

    # formatting: the same text as `sfdc fmt`; range formatting touches only the range
    ugly = 'account core {\n    kind=core\n  id   = "111111111111"\n}\n\n\n\nlet   x=1\nlet y   =2\n'
    NEW = os.path.join(ws, "scratch.sfd")
    open_doc(c, NEW, ugly)
    r = c.request("textDocument/formatting", {**td(NEW), "options": {"tabSize": 2, "insertSpaces": True}})
    want = subprocess.run([SFDC, "fmt", "-"], input=ugly, capture_output=True, text=True).stdout
    got = apply_edits(ugly, r.get("result") or [])
    check("formatting: the same text as sfdc fmt", want and got == want, (got, want))
    r = c.request("textDocument/rangeFormatting", {**td(NEW), "range": {"start": pos(ugly, "let   x"),
                  "end": pos(ugly, "let   x", 0, 9)}, "options": {"tabSize": 2, "insertSpaces": True}})
    got = apply_edits(ugly, r.get("result") or [])
    check("rangeFormatting: only the item in range", "let x = 1\n" in got and "    kind=core" in got and
          "let y   =2" in got, got)
    c.notify("textDocument/didChange", {"textDocument": {"uri": uri(NEW), "version": 2},
                                        "contentChanges": [{"text": ugly + "let = =\n"}]})
    r = c.request("textDocument/formatting", {**td(NEW), "options": {"tabSize": 2, "insertSpaces": True}})
    check("formatting refuses a buffer with syntax errors", r.get("error", {}).get("code") == -32803, r)
    c.notify("textDocument/didClose", td(NEW))

    # quick fixes from help texts: a Fargate size pair, `write X`, `:` for `=`
    QF = os.path.join(ws, "qf.sfd")
    qf = ('import "./core.sfd"\n\naccount qf {\n  kind = la\n  id = "555555555555"\n  parent = core\n'
          '  network { cidr = 10.60.0.0/16 }\n  service web {\n    image = core.ecr.dagster\n'
          '    cpu = 0.25 vcpu\n    memory = 4 GiB\n  }\n  aurora db {\n    capacity = 4..2 acu\n  }\n'
          '  aurora steps {\n    capacity = 0.25..2 acu\n  }\n}\n')
    c.notes.clear()
    open_doc(c, QF, qf)
    d = c.diagnostics(uri(QF))["diagnostics"]

    def fix_for(code):
        e = [x for x in d if x["code"] == code]
        if not e:
            return None
        r = c.request("textDocument/codeAction", {**td(QF), "range": e[0]["range"], "context": {"diagnostics": e}})
        acts = [a for a in r["result"] if "@allow" not in a["title"]]
        return acts[0] if acts else None
    a = fix_for("E0501")
    fixed = apply_edits(qf, a["edit"]["changes"][uri(QF)]) if a else ""
    check("codeAction: a valid Fargate size for the memory", "cpu = 0.5 vcpu\n    memory = 4 GiB" in fixed,
          (a and a["title"], fixed[120:260]))
    a = fix_for("E0421")
    fixed = apply_edits(qf, a["edit"]["changes"][uri(QF)]) if a else ""
    check("codeAction: write the range the help gives", "capacity = 2 acu..4 acu" in fixed, (a, d))
    a = fix_for("E0505")
    fixed = apply_edits(qf, a["edit"]["changes"][uri(QF)]) if a else ""
    check("codeAction: the nearest valid ACU step", "capacity = 0.5..2 acu" in fixed, (a, d))
    colon = qf.replace("memory = 4 GiB", "memory: 4 GiB")
    c.notify("textDocument/didChange", {"textDocument": {"uri": uri(QF), "version": 2},
                                        "contentChanges": [{"text": colon}]})
    d = c.diagnostics(uri(QF))["diagnostics"]
    e = [x for x in d if "help: attributes are set with" in x["message"]]
    r = c.request("textDocument/codeAction", {**td(QF), "range": e[0]["range"], "context": {"diagnostics": e}}) if e else {}
    acts = r.get("result") or []
    fixed = apply_edits(colon, acts[0]["edit"]["changes"][uri(QF)]) if acts else ""
    check("codeAction: `=` for `:`", "memory = 4 GiB" in fixed, (d, acts))
    c.notify("textDocument/didClose", td(QF))

    # the import a file needs, as a quick fix
    EX = os.path.join(ws, "extra.sfd")
    extra = 'account extra {\n  kind = la\n  id = "666666666666"\n  parent = core\n  network { cidr = 10.70.0.0/16 }\n}\n'
    c.notes.clear()
    open_doc(c, EX, extra)
    d = [x for x in c.diagnostics(uri(EX))["diagnostics"] if x["code"] == "E0309"]
    r = c.request("textDocument/codeAction", {**td(EX), "range": d[0]["range"], "context": {"diagnostics": d}}) if d else {}
    acts = [a for a in r.get("result") or [] if a["title"].startswith("Add `import")]
    fixed = apply_edits(extra, acts[0]["edit"]["changes"][uri(EX)]) if acts else ""
    check("codeAction: add the missing import", fixed.startswith('import "./core.sfd"\naccount extra'), (d, acts))
    c.notify("textDocument/didChange", {"textDocument": {"uri": uri(EX), "version": 2},
                                        "contentChanges": [{"text": fixed}]})
    d = c.diagnostics(uri(EX))["diagnostics"]
    check("the import fix clears the diagnostic", not [x for x in d if x["code"] == "E0309"], d)
    c.notify("textDocument/didClose", td(EX))

    # bad input: the server answers and goes on
    c.send_raw(b"Content-Length: 9\r\n\r\n{not json")
    r = c.wait_note(lambda m: False, 0.01) if False else None
    deadline = time.time() + 5
    while None not in c.responses and time.time() < deadline:
        c._pump(deadline)
    r = c.responses.pop(None, None)
    check("malformed JSON: parse error", r and r["error"]["code"] == -32700, r)
    c.send_raw(b"X-Nonsense: 1\r\n\r\n")
    deadline = time.time() + 5
    while None not in c.responses and time.time() < deadline:
        c._pump(deadline)
    r = c.responses.pop(None, None)
    check("bad framing: an error, then the server goes on", r and r["error"]["code"] == -32700, r)
    r = c.request("textDocument/nonsense", {})
    check("unknown method: MethodNotFound", r.get("error", {}).get("code") == -32601, r)
    c.send({"jsonrpc": "2.0", "id": 77, "method": 5})
    r = c.wait_response(77)
    check("invalid request: InvalidRequest", r.get("error", {}).get("code") == -32600, r)
    r = c.request("textDocument/hover", {"textDocument": {"uri": "file:///nowhere.sfd"},
                                         "position": {"line": 3, "character": 1}})
    check("hover on an unknown file: null", r.get("result", 1) is None, r)
    r = c.request("textDocument/hover", {"position": "x"})
    check("hover with bad params: null", "result" in r, r)
    r, rc = c.close()
    check("shutdown/exit: exit status 0, only protocol bytes on stdout", r.get("result", 1) is None and rc == 0, (r, rc))
    check("nothing on stderr (no sanitizer or leak report)", c.stderr_text() == "", c.stderr_text()[:600])


def uninitialized():
    c = Client(SFDC, STDLIB)
    r = c.request("textDocument/hover", {})
    check("request before initialize: ServerNotInitialized", r.get("error", {}).get("code") == -32002, r)
    c.notify("exit")
    rc = c.proc.wait(10)
    check("exit without shutdown: exit status 1", rc == 1, rc)


def memory_flat():
    """1,000 edits here (bench/lsp runs 10,000): RSS after them is at most
    twice the RSS after the first."""
    c = Client(SFDC, STDLIB)
    c.initialize(ws)
    text = open_doc(c, LA)
    c.diagnostics(uri(LA))
    first = None
    for v in range(2, 1002):
        t = text.replace("expire = 90d", "expire = %dd" % (30 + v % 50))
        c.notify("textDocument/didChange", {"textDocument": {"uri": uri(LA), "version": v},
                                            "contentChanges": [{"text": t}]})
        c.request("textDocument/hover", at(LA, t, "memory = 1 GiB"))
        if v == 2:
            first = c.rss_kib()
    last = c.rss_kib()
    c.drain(0.2)
    c.close()
    check("nothing on stderr after 1,000 edits", c.stderr_text() == "", c.stderr_text()[:600])
    check("memory flat over 1,000 edits (RSS %d KiB -> %d KiB)" % (first, last), last <= 2 * first,
          (first, last))


def cancel_during_check():
    """A cancellation sent with a change and a request, waiting while the
    server checks a large workspace (bench/lsp/gen.py, 3,000 lines: the
    check takes milliseconds): whether it is read before the check or
    polled when the check ends, the request is answered RequestCancelled,
    and the check's diagnostics are still published. The three go in one
    write: sent in a second write, the cancellation raced the check, and on
    a loaded machine (CI, 2 cores) it could arrive after the answer, which
    is then rightly not cancelled."""
    big = os.path.join(tmp, "big")
    subprocess.run([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                    "..", "..", "bench", "lsp", "gen.py"), big, "3000"], check=True, capture_output=True)
    path = os.path.join(big, "las_00.sfd")
    c = Client(SFDC, STDLIB)
    c.initialize(big)
    text = open_doc(c, path)
    c.diagnostics(uri(path), 30)

    def frame(m):
        b = json.dumps(m).encode()
        return b"Content-Length: %d\r\n\r\n%s" % (len(b), b)
    text2 = text.replace("expire = 90d", "expire = 91d", 1)
    chg = {"jsonrpc": "2.0", "method": "textDocument/didChange",
           "params": {"textDocument": {"uri": uri(path), "version": 2}, "contentChanges": [{"text": text2}]}}
    hov = {"jsonrpc": "2.0", "id": 77, "method": "textDocument/hover",
           "params": at(path, text2, "memory = 1 GiB")}
    cancel = {"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": 77}}
    c.send_raw(frame(chg) + frame(hov) + frame(cancel))
    r = c.wait_response(77, 30)
    check("$/cancelRequest arriving during a check: RequestCancelled",
          r.get("error", {}).get("code") == -32800, r)
    d = c.wait_note(lambda m: m["method"] == "textDocument/publishDiagnostics"
                    and m["params"]["uri"] == uri(path) and m["params"].get("version") == 2, 30)["params"]
    check("the check itself still publishes its diagnostics", d.get("version") == 2, d)
    r = c.request("textDocument/hover", at(path, text2, "memory = 1 GiB"))
    check("the next request is answered", "memory" in json.dumps(r.get("result")), r)
    c.close()


LOOPS = """platform p { region = eu-west-2 }

schema tag in account {
  label: name
}

let xs = ["a", "b"]

template t(n: name) {
  for i in xs {
    for j in xs {
      let_me = "${i}-${j}-${n}"
    }
  }
  for n in xs {
    shadow = n
  }
}

account a {
  kind = core
  id = "111111111111"
  for w in ["x", "y"] {
    tag "t-${w}" { label = w }
  }
  tag other { label = w }
}
"""


def loops():
    """Nested loops inside a template: scoping, shadowing and clashes."""
    d = os.path.join(tmp, "loops")
    os.makedirs(d)
    path = os.path.join(d, "loops.sfd")
    open(path, "w").write(LOOPS)
    c = Client(SFDC, STDLIB)
    c.initialize(d)
    text = open_doc(c, path)
    c.diagnostics(uri(path))
    r = c.request("textDocument/definition", at(path, text, "${i}", 0, 2))
    check("definition: a loop variable inside an interpolation",
          r.get("result") and r["result"]["range"]["start"] == pos(text, "for i", 0, 4), r)
    r = c.request("textDocument/definition", at(path, text, "shadow = n", 0, 9))
    check("definition: a loop variable hides the template parameter of its name",
          r.get("result") and r["result"]["range"]["start"] == pos(text, "for n", 0, 4), r)
    r = c.request("textDocument/definition", at(path, text, "${n}", 0, 2))
    check("definition: outside that loop the parameter is seen",
          r.get("result") and r["result"]["range"]["start"] == pos(text, "n: name"), r)
    r = c.request("textDocument/rename", {**at(path, text, "for i", 0, 4), "newName": "k"})
    edits = r.get("result", {}).get("changes", {}).get(uri(path), [])
    renamed = apply_edits(text, edits)
    check("rename: a loop variable, inside interpolations too",
          "for k in xs" in renamed and '"${k}-${j}-${n}"' in renamed and len(edits) == 2, renamed)
    r = c.request("textDocument/definition", at(path, text, "label = w", 0, 8))
    check("definition: a loop variable as the value of a name-typed field",
          r.get("result") and r["result"]["range"]["start"] == pos(text, "for w", 0, 4), r)
    r = c.request("textDocument/definition", at(path, text, "label = w", 1, 8))
    check("definition: outside the loop the same name is the field's text",
          r.get("result", 1) is None, r)
    for old, new, why in (("for i", "j", "loop"), ("for j", "i", "loop"), ("for i", "n", "parameter"),
                          ("for i", "xs", "`let`")):
        r = c.request("textDocument/rename", {**at(path, text, old, 0, 4), "newName": new})
        check("rename: loop variable %s -> %s is refused (%s)" % (old[4:], new, why),
              why in r.get("error", {}).get("message", ""), r)
    c.close()


def burst():
    """Ten edits written at once (one pipe write, under PIPE_BUF, so they
    arrive together): the server applies them all and checks once, after
    the last: one publishDiagnostics, for the newest version."""
    c = Client(SFDC, STDLIB)
    c.initialize(ws)
    text = open_doc(c, LA)
    c.diagnostics(uri(LA))
    c.drain(0.3)
    at_ = pos(text, "expire = 90d", 0, 9)
    rng = {"start": at_, "end": {"line": at_["line"], "character": at_["character"] + 2}}
    data = b""
    for v in range(2, 12):
        b = json.dumps({"jsonrpc": "2.0", "method": "textDocument/didChange",
                        "params": {"textDocument": {"uri": uri(LA), "version": v},
                                   "contentChanges": [{"range": rng, "text": "9%d" % (v % 10)}]}}).encode()
        data += b"Content-Length: %d\r\n\r\n%s" % (len(b), b)
    check("burst fits one atomic pipe write", len(data) < 4096, len(data))
    c.send_raw(data)
    d = c.diagnostics(uri(LA))
    c.drain(0.5)
    later = [m for m in c.notes if m["method"] == "textDocument/publishDiagnostics"
             and m["params"]["uri"] == uri(LA)]
    check("a burst of edits is checked once, at its newest version", d.get("version") == 11 and not later,
          (d.get("version"), [m["params"].get("version") for m in later]))
    r = c.request("textDocument/hover", at(LA, text.replace("expire = 90d", "expire = 91d"), "expire = 91d"))
    v = json.dumps(r.get("result"))
    check("the burst's edits were all applied", "expire = 91d" in v or "expire = 91 d" in v, v[:300])
    c.close()


def open_unchanged():
    """Opening a file with the text the last check read from the disk
    publishes its diagnostics at once without a new check: the other
    files' diagnostics are not sent again (a check would resend them, as
    the change afterwards does)."""
    d = os.path.join(tmp, "open")
    shutil.copytree(EXAMPLES, d)
    bad = os.path.join(d, "bad.sfd")
    open(bad, "w").write("let oops = nosuch_name\n")
    c = Client(SFDC, STDLIB)
    c.initialize(d)
    first = c.diagnostics(uri(bad))
    check("workspace check: the broken file's diagnostics", [x["code"] for x in first["diagnostics"]] == ["E0301"],
          first)
    c.drain(0.3)
    c.notes.clear()
    path = os.path.join(d, "la.sfd")
    text = open_doc(c, path)
    got = c.diagnostics(uri(path))
    c.drain(0.5)
    again = [m for m in c.notes if m["method"] == "textDocument/publishDiagnostics"]
    check("didOpen of unchanged text: published for the buffer, with its version",
          got["version"] == 1 and got["diagnostics"] == [], got)
    check("didOpen of unchanged text: no re-check (nothing else published)", again == [], again)
    r = c.request("textDocument/hover", at(path, text, "memory = 1 GiB"))
    check("didOpen of unchanged text: features answer", "memory" in json.dumps(r.get("result")), r)
    c.notify("textDocument/didChange", {"textDocument": {"uri": uri(path), "version": 2},
                                        "contentChanges": [{"text": text + "\n"}]})
    got = c.diagnostics(uri(bad))
    check("a real change re-checks (the other file is published again)",
          [x["code"] for x in got["diagnostics"]] == ["E0301"], got)
    other = os.path.join(d, "core.sfd")
    core = open(other).read().replace("keep = 30", "keep = 31")
    c.notify("textDocument/didOpen", {"textDocument": {"uri": uri(other), "languageId": "sfd",
                                                       "version": 1, "text": core}})
    got = c.diagnostics(uri(bad))
    check("didOpen of text that differs from the disk re-checks", got["diagnostics"] != [], got)
    c.close()


def command_line():
    r = subprocess.run([SFDC, "lsp", "--help"], capture_output=True, text=True)
    check("sfdc lsp --help", r.returncode == 0 and r.stdout.startswith("usage: sfdc lsp"), r)
    r = subprocess.run([SFDC, "lsp", "--bogus"], capture_output=True, text=True)
    check("sfdc lsp with an unknown option: usage error", r.returncode == 2 and r.stdout == "", r)
    r = subprocess.run([SFDC, "lsp", "--stdlib", STDLIB], input=b"", capture_output=True)
    check("end of input ends the server quietly", r.returncode == 1 and r.stdout == b"" and r.stderr == b"", r)


run("command line", command_line)
run("session", main_session)
run("uninitialized", uninitialized)
run("memory", memory_flat)
run("cancel during a check", cancel_during_check)
run("loops", loops)
run("burst", burst)
run("open unchanged", open_unchanged)
shutil.rmtree(tmp, ignore_errors=True)
print("%d passed, %d failed" % (passed, failed))
