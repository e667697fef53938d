"""Emulator gaps behind on-demand starts (tier 43), patched like the others.

1. EventBridge TestEventPattern is a stub in moto 5.2 (it answers nothing):
   answer it with moto's own pattern matcher, the one its rules use.
2. S3 GetBucketNotificationConfiguration never returns the
   EventBridgeConfiguration that PutBucketNotificationConfiguration stored,
   so Terraform's aws_s3_bucket_notification shows `eventbridge = false ->
   true` on every plan: add the (empty) element when it is stored.
"""
import json
import re
import sys


def _warn(msg):
    print(f"patch_events: {msg}", file=sys.stderr)


def _patch_test_event_pattern():
    from moto.events import models, responses

    def test_event_pattern(self):
        pattern = models.EventPattern.load(self._get_param("EventPattern"))
        event = json.loads(self._get_param("Event"))
        return json.dumps({"Result": bool(pattern.matches_event(event))})

    responses.EventsHandler.test_event_pattern = test_event_pattern


def _patch_s3_eventbridge():
    from moto.s3 import responses

    orig = responses.S3Response.get_bucket_notification

    def get_bucket_notification(self):
        resp = orig(self)
        conf = self.backend.get_bucket_notification_configuration(self.bucket_name)
        if not conf or getattr(conf, "event_bridge", None) is None:
            return resp
        status, headers, body = resp
        text = body.decode() if isinstance(body, bytes) else body
        eb = "<EventBridgeConfiguration></EventBridgeConfiguration>"
        if "EventBridgeConfiguration" not in text:
            # the root is either <NotificationConfiguration ...>...</...> or empty: <... />
            text, n = re.subn(r"<NotificationConfiguration([^>]*?)\s*/>",
                              r"<NotificationConfiguration\1>" + eb + "</NotificationConfiguration>", text)
            if n == 0:
                text = text.replace("</NotificationConfiguration>", eb + "</NotificationConfiguration>")
        return status, headers, text.encode() if isinstance(body, bytes) else text

    responses.S3Response.get_bucket_notification = get_bucket_notification


def apply():
    for name, fn in (("TestEventPattern", _patch_test_event_pattern),
                     ("S3 EventBridgeConfiguration", _patch_s3_eventbridge)):
        try:
            fn()
        except Exception as e:  # a moved patch target must not stop the emulator
            _warn(f"{name} not patched: {type(e).__name__}: {e}")
