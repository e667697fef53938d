"""A small scripted LSP client for tests and benchmarks: starts `sfdc lsp`,
frames JSON-RPC messages with Content-Length, and checks that every byte the
server writes on stdout is part of a well-formed message."""
import json
import os
import select
import subprocess
import tempfile
import time


class ProtocolError(Exception):
    pass


def uri(path):
    from urllib.parse import quote
    return "file://" + quote(os.path.abspath(path))


class Client:
    def __init__(self, sfdc, stdlib=None, args=()):
        cmd = [sfdc, "lsp"] + (["--stdlib", stdlib] if stdlib else []) + list(args)
        env = dict(os.environ)
        # under ASan, freed memory waits in a quarantine: RSS would measure it
        env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=0:detect_leaks=1"
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.stderr, env=env)
        self.buf = b""
        self.next_id = 1
        self.notes = []          # notifications received, in order
        self.responses = {}      # id -> response

    # -- writing ------------------------------------------------------------
    def send_raw(self, data):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def send(self, msg):
        body = json.dumps(msg).encode()
        self.send_raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def notify(self, method, params=None):
        self.send({"jsonrpc": "2.0", "method": method, "params": params or {}})

    def request_async(self, method, params=None):
        rid = self.next_id
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params or {}})
        return rid

    def request(self, method, params=None, timeout=10):
        return self.wait_response(self.request_async(method, params), timeout)

    # -- reading ------------------------------------------------------------
    def _read_message(self, deadline):
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end >= 0:
                header = self.buf[:end].decode("ascii")
                fields = dict(l.split(": ", 1) for l in header.split("\r\n"))
                if set(fields) != {"Content-Length"}:
                    raise ProtocolError("unexpected header block %r" % header)
                n = int(fields["Content-Length"])
                if len(self.buf) >= end + 4 + n:
                    body = self.buf[end + 4:end + 4 + n]
                    self.buf = self.buf[end + 4 + n:]
                    return json.loads(body.decode("utf-8"))
            elif not (self.buf.startswith(b"Content-Length: ") or
                      b"Content-Length: ".startswith(self.buf)):
                raise ProtocolError("stray bytes on stdout: %r" % self.buf[:80])
            left = deadline - time.time()
            if left <= 0:
                raise TimeoutError("no message from the server")
            r, _, _ = select.select([self.proc.stdout], [], [], left)
            if r:
                chunk = os.read(self.proc.stdout.fileno(), 1 << 20)
                if not chunk:
                    raise EOFError("the server closed stdout")
                self.buf += chunk

    def _pump(self, deadline):
        m = self._read_message(deadline)
        if m.get("jsonrpc") != "2.0":
            raise ProtocolError("not JSON-RPC 2.0: %r" % m)
        if "method" in m:
            self.notes.append(m)
        else:
            self.responses[m.get("id")] = m
        return m

    def wait_response(self, rid, timeout=10):
        deadline = time.time() + timeout
        while rid not in self.responses:
            self._pump(deadline)
        return self.responses.pop(rid)

    def wait_note(self, pred, timeout=10):
        """The first notification (received already or next) matching pred; consumed."""
        deadline = time.time() + timeout
        while True:
            for i, m in enumerate(self.notes):
                if pred(m):
                    return self.notes.pop(i)
            self._pump(deadline)

    def diagnostics(self, u, timeout=10):
        return self.wait_note(lambda m: m["method"] == "textDocument/publishDiagnostics"
                              and m["params"]["uri"] == u, timeout)["params"]

    def drain(self, seconds=0.2):
        try:
            while True:
                self._pump(time.time() + seconds)
        except TimeoutError:
            pass

    # -- lifecycle ----------------------------------------------------------
    def initialize(self, root=None):
        r = self.request("initialize", {"processId": os.getpid(),
                                        "rootUri": uri(root) if root else None,
                                        "capabilities": {}})
        self.notify("initialized")
        return r

    def close(self, timeout=10):
        r = self.request("shutdown")
        self.notify("exit")
        try:
            rc = self.proc.wait(timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
        rest = self.proc.stdout.read()
        if rest:
            self.buf += rest
            while self.buf:
                self._pump(time.time() + 1)
        return r, rc

    def stderr_text(self):
        """What the server wrote on stderr (sanitizer reports, say); after close()."""
        self.stderr.seek(0)
        return self.stderr.read().decode("utf-8", "replace")

    def rss_kib(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0


def pos(text, needle, nth=0, offset=0):
    """The LSP position of the nth occurrence of needle in text (+ offset chars)."""
    i = -1
    for _ in range(nth + 1):
        i = text.index(needle, i + 1)
    i += offset
    line = text.count("\n", 0, i)
    col = i - (text.rfind("\n", 0, i) + 1)
    return {"line": line, "character": len(text[i - col:i].encode("utf-16-le")) // 2}


def apply_edits(text, edits):
    """Applies LSP TextEdits (UTF-16 positions; ASCII assumed) to text."""
    lines = text.split("\n")
    starts = [0]
    for l in lines:
        starts.append(starts[-1] + len(l) + 1)

    def off(p):
        return starts[p["line"]] + p["character"]
    for e in sorted(edits, key=lambda e: off(e["range"]["start"]), reverse=True):
        a, b = off(e["range"]["start"]), off(e["range"]["end"])
        text = text[:a] + e["newText"] + text[b:]
    return text
