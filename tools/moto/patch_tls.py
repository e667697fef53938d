"""A moto 5.2 fix needed to keep Terraform state in the buckets sfdrun's
bootstrap made (`make demo`); tools/moto/launch.py applies it.

The bootstrap gives every state bucket a TLS-only policy: Deny s3:* when
`aws:SecureTransport` is "false". moto ignores the `Bool` condition operator,
so that statement denies every object request (HeadObject/PutObject answer
403) and `terraform init` cannot read or write its state. AWS evaluates the
condition; the emulator serves plain HTTP on 127.0.0.1 only because it stands
in for AWS's HTTPS endpoints, so a request to it counts as secure transport.

The patch replaces the bucket's policy evaluation: a statement whose
`Bool aws:SecureTransport` condition does not hold (the request is secure)
does not apply; every other statement is evaluated by moto as before.
Guarded like tools/moto/launch.py's patches: a moved target prints a warning
and moto starts unpatched.
"""
import json
import sys

SECURE = "true"  # the value of aws:SecureTransport for a request to the emulator


def _warn(msg):
    print(f"sfd-moto: warning: {msg}", file=sys.stderr, flush=True)


def _secure_transport_excludes(statement):
    """True when the statement is conditioned on aws:SecureTransport and the
    (secure) request does not meet that condition."""
    cond = statement.get("Condition") or {}
    for op, values in cond.items():
        if op not in ("Bool", "BoolIfExists") or not isinstance(values, dict):
            continue
        for key, want in values.items():
            if key.lower() != "aws:securetransport":
                continue
            wants = want if isinstance(want, list) else [want]
            if SECURE not in [str(w).lower() for w in wants]:
                return True
    return False


def _patch_bucket_permission():
    from moto.iam.access_control import IAMPolicyStatement, PermissionResult
    from moto.s3.models import FakeBucket

    if not hasattr(FakeBucket, "get_permission"):
        raise AttributeError("FakeBucket.get_permission is gone")

    def get_permission(self, action, resource):
        if self.policy is None:
            return PermissionResult.NEUTRAL
        statements = json.loads(self.policy.decode())["Statement"]
        if not isinstance(statements, list):
            statements = [statements]
        permitted = False
        for st in statements:
            if _secure_transport_excludes(st):
                continue
            r = IAMPolicyStatement(st).is_action_permitted(action, resource)
            if r == PermissionResult.DENIED:
                return r
            permitted = permitted or r == PermissionResult.PERMITTED
        return PermissionResult.PERMITTED if permitted else PermissionResult.NEUTRAL

    FakeBucket.get_permission = get_permission


def apply():
    try:
        _patch_bucket_permission()
    except Exception as e:  # a moved patch target must not stop the emulator
        _warn(f"TLS-only bucket policy patch not applied: {type(e).__name__}: {e}")
