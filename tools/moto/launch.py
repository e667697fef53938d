#!/usr/bin/env python3
"""Start moto_server with sfdc's fixes for known moto 5.2 gaps, on a socket we bind.

Used by tools/moto/start (see there for the interface).  Binding the listening
socket here (port 0, 127.0.0.1 only) and handing its descriptor to werkzeug
removes the pick-a-free-port race.  Each patch is guarded: when moto changes
and a patch target disappears, we warn on stderr and start unpatched rather
than failing, so the tests report the real moto behaviour.

Patches (facts measured in moto 5.2.1):
  1. ECS CreateService/UpdateService drop capacityProviderStrategy (the
     service comes back launchType=EC2): keep the strategy, drop launchType.
  2. ECS answers networkConfiguration {} when none was given: omit it.
  3. Application Auto Scaling lacks TagResource, UntagResource and
     ListTagsForResource (HTTP 500; the AWS provider retries for minutes).
  4. RDS Serverless v2 clusters get an empty ScalingConfigurationInfo: omit it.
Default: MOTO_IAM_LOAD_MANAGED_POLICIES=true, so AWS managed policies such as
arn:aws:iam::aws:policy/AdministratorAccess exist as in AWS.
Optional: SFD_MOTO_SESSION_SECONDS=N makes AssumeRole sessions last at most N
seconds and rejects expired ones with ExpiredToken (patch_expiry.py).
Optional: SFD_MOTO_REQUEST_LOG=FILE appends one JSON line per request
({"method", "path", "query", "op", and for SDK clients "attempt"}) so tests
can count mutating calls and see client retries.

Serving (serve_middleware):
  5. moto's backends are plain dicts shared by the server's request threads
     and are not thread-safe (getmoto/moto#372); under load a request could
     fail half-done.  One request runs at a time (the server still accepts
     and reads on many connections).
  6. An SDK retry of a request whose earlier attempt the emulator carried
     out and answered 2xx (same amz-sdk-invocation-id, attempt > 1) gets that
     answer again instead of a second execution, as an idempotent service
     would give; each replay is logged on stderr.  Measured: under load on
     two cores, Terraform's creates failed as duplicates of themselves
     (InvalidGroup.Duplicate, RouteAlreadyExists).
"""
import json
import os
import socket
import sys
import threading
import time


def warn(msg):
    print(f"sfd-moto: warning: {msg}", file=sys.stderr, flush=True)


def patch_ecs():
    from moto.ecs import models, responses

    orig_init = models.Service.__init__

    def service_init(self, *args, **kwargs):
        orig_init(self, *args, **kwargs)
        if not getattr(self, "network_configuration", None):
            self.network_configuration = None
        if not hasattr(self, "capacity_provider_strategy"):
            self.capacity_provider_strategy = None

    models.Service.__init__ = service_init

    def keep_strategy(resp, service):
        strategy = resp._get_param("capacityProviderStrategy")
        if strategy and service is not None:
            service.capacity_provider_strategy = strategy
            service.launch_type = None
            for d in getattr(service, "deployments", []) or []:
                d["capacityProviderStrategy"] = strategy
                d.pop("launchType", None)
        netconf = resp._get_param("networkConfiguration")
        if netconf and service is not None:
            service.network_configuration = netconf

    orig_create = responses.EC2ContainerServiceResponse.create_service
    orig_update = responses.EC2ContainerServiceResponse.update_service

    def find(resp):
        cluster = resp._get_param("cluster", "default").split("/")[-1]
        name = (resp._get_param("serviceName") or resp._get_param("service") or "").split("/")[-1]
        return resp.ecs_backend.services.get(f"{cluster}:{name}")

    def create_service(self):
        strategy = self._get_param("capacityProviderStrategy")
        if strategy and self._get_param("launchType"):
            from moto.ecs.exceptions import InvalidParameterException
            raise InvalidParameterException(
                "Specifying both a launch type and capacity provider strategy is not supported.")
        result = orig_create(self)
        keep_strategy(self, find(self))
        return result

    def update_service(self):
        # UpdateService's own param parsing passes unknown camelCase keys as
        # attributes; strip the strategy so it is handled here, once.
        result = orig_update(self)
        keep_strategy(self, find(self))
        return result

    responses.EC2ContainerServiceResponse.create_service = create_service
    responses.EC2ContainerServiceResponse.update_service = update_service


def patch_appautoscaling():
    from moto.applicationautoscaling import responses

    cls = responses.ApplicationAutoScalingResponse
    store_lock = threading.Lock()

    def tags_of(resp):
        backend = resp.applicationautoscaling_backend
        if not hasattr(backend, "_sfd_tags"):
            backend._sfd_tags = {}
        return backend._sfd_tags

    def tag_resource(self):
        arn = self._get_param("ResourceARN")
        with store_lock:
            tags_of(self).setdefault(arn, {}).update(self._get_param("Tags") or {})
        return json.dumps({})

    def untag_resource(self):
        arn = self._get_param("ResourceARN")
        with store_lock:
            t = tags_of(self).setdefault(arn, {})
            for k in self._get_param("TagKeys") or []:
                t.pop(k, None)
        return json.dumps({})

    def list_tags_for_resource(self):
        arn = self._get_param("ResourceARN")
        with store_lock:
            return json.dumps({"Tags": dict(tags_of(self).get(arn, {}))})

    for name, fn in (("tag_resource", tag_resource), ("untag_resource", untag_resource),
                     ("list_tags_for_resource", list_tags_for_resource)):
        if not hasattr(cls, name):
            setattr(cls, name, fn)

    # RegisterScalableTarget accepts Tags in the real API.
    orig_register = cls.register_scalable_target

    def register_scalable_target(self):
        out = orig_register(self)
        tags = self._get_param("Tags")
        if tags:
            arn = json.loads(out).get("ScalableTargetARN")
            with store_lock:
                tags_of(self).setdefault(arn, {}).update(tags)
        return out

    cls.register_scalable_target = register_scalable_target


def patch_rds():
    from moto.rds import models

    cls = models.DBCluster
    orig = cls.scaling_configuration_info
    if not isinstance(orig, property):
        raise AttributeError("DBCluster.scaling_configuration_info is not a property")

    def info(self):
        if not getattr(self, "scaling_configuration", None):
            return None
        return orig.fget(self)

    cls.scaling_configuration_info = property(info)


def sdk_attempt(environ):
    """The attempt number of an AWS SDK request (amz-sdk-request: attempt=N;
    max=M), 1 when absent."""
    for part in environ.get("HTTP_AMZ_SDK_REQUEST", "").split(";"):
        k, _, v = part.strip().partition("=")
        if k == "attempt" and v.isdigit():
            return int(v)
    return 1


def serve_middleware(app):
    """Patches 5 and 6 of the module's docstring: one request at a time, and
    a retried invocation answered from its earlier 2xx answer."""
    lock = threading.Lock()
    answered = {}  # invocation id -> (status, headers, body), insertion order
    keep = 4096

    def wrapped(environ, start_response):
        inv = environ.get("HTTP_AMZ_SDK_INVOCATION_ID", "")
        with lock:
            if inv and sdk_attempt(environ) > 1 and inv in answered:
                status, headers, body, done, took = answered[inv]
                print(f"sfd-moto: replayed {status} to retry {sdk_attempt(environ)} "
                      f"of invocation {inv} (answered {time.monotonic() - done:.1f} s "
                      f"earlier, in {took:.2f} s)", file=sys.stderr, flush=True)
                start_response(status, headers)
                return [body]
            got = {}

            def capture(status, headers, exc_info=None):
                got["status"], got["headers"] = status, list(headers)
                return start_response(status, headers, exc_info)

            t0 = time.monotonic()
            result = app(environ, capture)
            try:
                body = b"".join(result)
            finally:
                if hasattr(result, "close"):
                    result.close()
            if inv and got.get("status", "").startswith("2"):
                answered[inv] = (got["status"], got["headers"], body,
                                 time.monotonic(), time.monotonic() - t0)
                if len(answered) > keep:
                    del answered[next(iter(answered))]
            return [body]

    return wrapped


def request_log_middleware(app, path):
    """Wrap the WSGI app to log method, path and operation name per request."""
    import io
    lock = threading.Lock()
    out = open(path, "a", buffering=1)

    def op_of(environ, body):
        target = environ.get("HTTP_X_AMZ_TARGET")
        if target:
            return target.split(".")[-1]
        qs = environ.get("QUERY_STRING", "")
        for src in (qs, body.decode("utf-8", "replace")):
            for kv in src.split("&"):
                if kv.startswith("Action="):
                    return kv[7:]
        return ""

    def wrapped(environ, start_response):
        try:
            n = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            n = 0
        body = environ["wsgi.input"].read(n) if n > 0 else b""
        environ["wsgi.input"] = io.BytesIO(body)
        rec = {"method": environ.get("REQUEST_METHOD"),
               "path": environ.get("PATH_INFO"),
               "query": environ.get("QUERY_STRING", ""),
               "op": op_of(environ, body)}
        n = sdk_attempt(environ)
        if n > 1:
            rec["attempt"] = n
        if not rec["path"].startswith("/moto-api"):
            with lock:
                out.write(json.dumps(rec) + "\n")
        return app(environ, start_response)

    return wrapped


def main():
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    portfile = sys.argv[1] if len(sys.argv) > 1 else None
    for name, fn in (("ecs", patch_ecs), ("application-autoscaling", patch_appautoscaling),
                     ("rds", patch_rds)):
        try:
            fn()
        except Exception as e:  # a moved patch target must not stop the emulator
            warn(f"{name} patch not applied: {type(e).__name__}: {e}")
    # Further gaps: Terraform's perpetual diffs (patch_tf.py), and the
    # aws:SecureTransport condition of TLS-only bucket policies (patch_tls.py:
    # the emulator stands in for AWS's HTTPS endpoints), on-demand starts
    # (patch_events.py: TestEventPattern, S3 EventBridge notifications), and
    # a Transit Gateway shared through RAM across accounts (patch_tgw.py).
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    for mod in ("patch_tf", "patch_tls", "patch_events", "patch_tgw"):
        try:
            __import__(mod).apply()
        except Exception as e:
            warn(f"{mod} not applied: {type(e).__name__}: {e}")

    # Optional: sessions that expire (patch_expiry.py), only when a test asks.
    expiry = None
    if os.environ.get("SFD_MOTO_SESSION_SECONDS"):
        try:
            expiry = __import__("patch_expiry")
            expiry.apply()
        except Exception as e:
            expiry = None
            warn(f"patch_expiry not applied: {type(e).__name__}: {e}")

    import moto.server as ms
    from werkzeug.serving import make_server

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    port = sock.getsockname()[1]
    os.environ.setdefault("MOTO_PORT", str(port))
    log_path = os.environ.get("SFD_MOTO_REQUEST_LOG")

    def run_on_our_socket(host, _port, app, **kw):
        app = serve_middleware(app)
        if expiry:
            app = expiry.middleware(app)
        if log_path:
            app = request_log_middleware(app, log_path)
        srv = make_server(host, port, app, threaded=True, fd=sock.fileno())
        if portfile:
            tmp = portfile + ".tmp"
            with open(tmp, "w") as f:
                f.write(f"{port}\n")
            os.replace(tmp, portfile)
        srv.serve_forever()

    ms.run_simple = run_on_our_socket
    ms.main(["-H", "127.0.0.1", "-p", str(port)])


if __name__ == "__main__":
    main()
