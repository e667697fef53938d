#!/usr/bin/env python3
"""faultproxy — a loopback HTTP proxy that injects AWS-shaped faults, seeded.

    tools/faultproxy.py --upstream http://127.0.0.1:PORT --port-file F
                        [--seed N] [--rate 0.25] [--faults throttle,500,503,reset,truncate,hang]
                        [--hang-seconds 5] [--log FILE] [--pass-through]

Listens on 127.0.0.1 (a free port, written to --port-file once listening).
Each request is forwarded to --upstream unchanged (Host header included, so
SigV4 signatures stay valid) unless a fault is drawn for it (probability
--rate, kinds drawn uniformly, from a random.Random(seed)):
  throttle  AWS-shaped throttling without forwarding: JSON protocol (has
            X-Amz-Target) 400 ThrottlingException; query (form body) 400
            Throttling; S3 503 SlowDown
  500, 503  InternalError / ServiceUnavailable without forwarding
  reset     TCP reset; half of them *after* forwarding (the call happened
            but the client never hears of it)
  truncate  forwards, then sends half the body with the full Content-Length
  hang      forwards nothing, answers nothing for --hang-seconds, then closes
--pass-through injects nothing (use it to count requests). --log appends one
JSON line per request: {"n", "method", "path", "op", "fault"}.

Kill mode, to interrupt a client at an exact point (tests/tiers/46-runtime-destroy):
    --kill-at K --kill-pid-file F [--kill-when before|after]
counts the client's mutating requests (reads are S3 GET/HEAD and operations
named Get*, Describe*, List*, Head*, Search*, AssumeRole, GetCallerIdentity,
as tests/data/runtime/count-mutations.py counts them) and at the K-th sends
SIGKILL to the pid in F: `before` forwarding it (the call never happens) or
`after` moto did it but before the answer (the client dies not knowing it
happened). That request and every later one get a TCP reset. The kill is
logged as {"kill": K, "op", "when", "pid"}. Nothing is killed without
--kill-at and a pid file, so the mode cannot fire by accident.
"""
import argparse
import http.client
import os
import re
import signal
import json
import random
import socket
import struct
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

KINDS = ("throttle", "500", "503", "reset", "truncate", "hang")


class State:
    lock = threading.Lock()
    rng = random.Random(0)
    rate = 0.0
    kinds = KINDS
    counter = 0
    log = None
    upstream = None
    hang = 5.0
    kill_at = 0          # --kill-at: SIGKILL at this mutating request (0: never)
    kill_pid_file = None  # --kill-pid-file: where the client's pid is
    kill_after = False   # --kill-when after: forward the K-th first
    mutating = 0         # mutating requests seen
    killed = False       # the kill happened: reset everything from now on

    @classmethod
    def draw(cls):
        with cls.lock:
            cls.counter += 1
            n = cls.counter
            if cls.rate > 0 and cls.rng.random() < cls.rate:
                return n, cls.rng.choice(cls.kinds), cls.rng.random() < 0.5
            return n, None, False

    @classmethod
    def record(cls, rec):
        if cls.log:
            with cls.lock:
                cls.log.write(json.dumps(rec) + "\n")
                cls.log.flush()


READS = ("Get", "Describe", "List", "Head", "Search")


def is_mutating(method, path, op):
    if op:
        return not (op.startswith(READS) or op in ("AssumeRole", "GetCallerIdentity"))
    return method not in ("GET", "HEAD") and not re.fullmatch(r"/(get|list|describe)[a-z]+", path)


def kill_client(k, op, when):
    """SIGKILLs the pid in --kill-pid-file (waiting up to 5 s for it)."""
    pid = None
    for _ in range(100):
        try:
            pid = int(open(State.kill_pid_file).read().strip())
            break
        except (OSError, ValueError):
            time.sleep(0.05)
    # logged first: the client's death lets the caller stop this proxy
    State.record({"kill": k, "op": op, "when": when, "pid": pid})
    if pid:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def operation(headers, body):
    target = headers.get("X-Amz-Target")
    if target:
        return target.split(".")[-1], "json"
    ctype = headers.get("Content-Type", "")
    if "x-www-form-urlencoded" in ctype:
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
        return (form.get("Action") or [""])[0], "query"
    return "", "rest-xml"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def handle(self):
        try:
            super().handle()
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass   # the client went away (often because we reset it)

    def _body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _send(self, status, body, ctype):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-RequestId", "faultproxy")
        self.end_headers()
        if self.command != "HEAD":   # a HEAD answer has no body on the wire
            self.wfile.write(body)

    def _reset(self):
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def _throttle(self, proto):
        if proto == "json":
            self._send(400, b'{"__type":"ThrottlingException","message":"Rate exceeded"}',
                       "application/x-amz-json-1.1")
        elif proto == "query":
            self._send(400, b'<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>'
                       b'<Message>Rate exceeded</Message></Error><RequestId>fp</RequestId>'
                       b'</ErrorResponse>', "text/xml")
        else:
            self._send(503, b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code>'
                       b'<Message>Please reduce your request rate.</Message></Error>',
                       "application/xml")

    def _server_error(self, status, proto):
        code = b"InternalError" if status == 500 else b"ServiceUnavailable"
        if proto == "json":
            self._send(status, b'{"__type":"' + code + b'","message":"injected"}',
                       "application/x-amz-json-1.1")
        else:
            self._send(status, b"<Error><Code>" + code + b"</Code><Message>injected</Message>"
                       b"</Error>", "application/xml")

    def _forward(self, body):
        u = State.upstream
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
        headers = {k: v for k, v in self.headers.items()}
        conn.request(self.command, self.path, body=body if body else None, headers=headers)
        r = conn.getresponse()
        data = r.read()
        out_headers = [(k, v) for k, v in r.getheaders()
                       if k.lower() not in ("content-length", "transfer-encoding", "connection")]
        conn.close()
        return r.status, out_headers, data

    def _relay(self, status, headers, data, truncate=False):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if truncate:
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self._reset()
        elif self.command != "HEAD":
            self.wfile.write(data)

    def _kill_point(self, op):
        """In kill mode: None to go on, "before"/"after" at the K-th mutating
        request, "dead" once the client was killed."""
        if not State.kill_at:
            return None
        with State.lock:
            if State.killed:
                return "dead"
            if not is_mutating(self.command, self.path.split("?")[0], op):
                return None
            State.mutating += 1
            if State.mutating < State.kill_at:
                return None
            State.killed = True
        return "after" if State.kill_after else "before"

    def _handle(self):
        body = self._body()
        point = self._kill_point(operation(self.headers, body)[0])
        if point == "dead":
            return self._reset()
        if point:
            op = operation(self.headers, body)[0] or f"{self.command} {self.path}"
            if point == "after":
                self._forward(body)
            kill_client(State.kill_at, op, point)
            return self._reset()
        n, fault, after = State.draw()
        op, proto = operation(self.headers, body)
        if fault == "truncate" and self.command == "HEAD":
            fault = "reset"   # a HEAD has no body to cut short
        State.record({"n": n, "method": self.command, "path": self.path.split("?")[0],
                      "op": op, "fault": fault, "after": after if fault == "reset" else None})
        if fault == "throttle":
            return self._throttle(proto)
        if fault in ("500", "503"):
            return self._server_error(int(fault), proto)
        if fault == "hang":
            time.sleep(State.hang)
            return self._reset()
        if fault == "reset" and not after:
            return self._reset()
        status, headers, data = self._forward(body)
        if fault == "reset":
            return self._reset()
        self._relay(status, headers, data, truncate=(fault == "truncate" and len(data) > 1))

    def do_GET(self):
        self._handle()

    do_PUT = do_POST = do_DELETE = do_HEAD = do_GET


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rate", type=float, default=0.25)
    ap.add_argument("--faults", default=",".join(KINDS))
    ap.add_argument("--hang-seconds", type=float, default=5.0)
    ap.add_argument("--log")
    ap.add_argument("--pass-through", action="store_true")
    ap.add_argument("--kill-at", type=int, default=0)
    ap.add_argument("--kill-pid-file")
    ap.add_argument("--kill-when", choices=("before", "after"), default="before")
    a = ap.parse_args()
    if a.kill_at and not a.kill_pid_file:
        sys.exit("faultproxy: --kill-at needs --kill-pid-file")
    State.kill_at, State.kill_pid_file = a.kill_at, a.kill_pid_file
    State.kill_after = a.kill_when == "after"
    State.rng = random.Random(a.seed)
    State.rate = 0.0 if a.pass_through else a.rate
    State.kinds = tuple(k for k in a.faults.split(",") if k)
    bad = [k for k in State.kinds if k not in KINDS]
    if bad:
        sys.exit(f"faultproxy: unknown fault kind(s): {', '.join(bad)}")
    State.upstream = urllib.parse.urlparse(a.upstream)
    State.hang = a.hang_seconds
    State.log = open(a.log, "a") if a.log else None
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(f"{srv.server_address[1]}\n")
    os.replace(tmp, a.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
