"""Session expiry for moto, for tests of credential renewal.

moto 5.2 never expires a session: credentials from sts:AssumeRole work
forever, so a program that forgets to renew them passes every test. With
SFD_MOTO_SESSION_SECONDS=N set, launch.py applies this patch:

  1. every AssumeRole session lasts at most N seconds (the requested
     DurationSeconds when shorter). Real STS refuses durations under 900 s,
     and a test cannot wait that long, so the emulator shortens them and
     answers the shortened Expiration, as AWS would for a role whose
     maximum session duration is N;
  2. a request signed with the access key of a session past its
     Expiration is answered 403 ExpiredToken, in the protocol's error shape
     (JSON for X-Amz-Target APIs, the query ErrorResponse for Action=
     requests, S3's <Error> otherwise), before moto sees it.

A session whose RoleSessionName ends in "-expires-early" is refused from
a fifth of its announced lifetime on, as a session revoked early or a client
clock running behind would be: the client only learns it from ExpiredToken.

Each rejection is printed to stderr ("sfd-moto: expired token ...", the key
id only) so a test can prove the patch was exercised.
"""
import json
import os
import re
import sys
import threading

_expiry = {}  # access key id -> naive UTC datetime of its expiration
_lock = threading.Lock()
_CRED = re.compile(r"Credential=([A-Z0-9]+)/")


def session_seconds():
    """The cap, or None when the patch is not wanted."""
    v = os.environ.get("SFD_MOTO_SESSION_SECONDS")
    return int(v) if v else None


def apply():
    """Caps AssumeRole durations and remembers each session's expiration."""
    from moto.sts import models

    cap = session_seconds()
    orig = models.STSBackend.assume_role

    def assume_role(self, *args, **kwargs):
        if "duration" in kwargs:
            kwargs["duration"] = min(int(kwargs["duration"]), cap)
        else:
            raise TypeError("STSBackend.assume_role no longer takes duration=")
        role = orig(self, *args, **kwargs)
        exp = role.expiration
        if str(kwargs.get("role_session_name", "")).endswith("-expires-early"):
            exp = _now() + (exp - _now()) / 5
        with _lock:
            _expiry[role.access_key_id] = exp
        return role

    models.STSBackend.assume_role = assume_role


def _now():
    from moto.core.utils import utcnow
    return utcnow()


def _access_key(environ):
    m = _CRED.search(environ.get("HTTP_AUTHORIZATION", "")) or \
        _CRED.search("Credential=" + _query_param(environ, "X-Amz-Credential"))
    return m.group(1) if m else None


def _query_param(environ, name):
    for kv in environ.get("QUERY_STRING", "").split("&"):
        if kv.startswith(name + "="):
            return kv[len(name) + 1:].replace("%2F", "/")
    return ""


def _error(environ):
    """(content type, body) of an ExpiredToken error in the request's protocol."""
    msg = "The security token included in the request is expired"
    if environ.get("HTTP_X_AMZ_TARGET"):
        return ("application/x-amz-json-1.1",
                json.dumps({"__type": "ExpiredTokenException", "message": msg}))
    ctype = environ.get("CONTENT_TYPE", "")
    if "Action=" in environ.get("QUERY_STRING", "") or ctype.startswith(
            "application/x-www-form-urlencoded"):
        return ("text/xml",
                "<ErrorResponse><Error><Type>Sender</Type><Code>ExpiredToken</Code>"
                f"<Message>{msg}</Message></Error><RequestId>sfd-expired</RequestId>"
                "</ErrorResponse>")
    return ("application/xml",
            f"<Error><Code>ExpiredToken</Code><Message>{msg}</Message>"
            "<RequestId>sfd-expired</RequestId></Error>")


def middleware(app):
    """Wraps the WSGI app: expired sessions get 403 ExpiredToken."""
    def wrapped(environ, start_response):
        key = _access_key(environ)
        with _lock:
            exp = _expiry.get(key) if key else None
        if exp is not None and _now() >= exp:
            late = (_now() - exp).total_seconds()
            print(f"sfd-moto: expired token {key} rejected ({late:.1f}s late)",
                  file=sys.stderr, flush=True)
            ctype, body = _error(environ)
            data = body.encode()
            start_response("403 Forbidden", [("Content-Type", ctype),
                                              ("Content-Length", str(len(data)))])
            return [data]
        return app(environ, start_response)

    return wrapped

