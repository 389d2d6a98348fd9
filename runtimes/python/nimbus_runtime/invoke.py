"""One invocation: the event in, ``handler(event, context)``, the result or error out."""
import json
import sys

from .context import LambdaContext
from .errors import MARSHAL_ERROR, UNMARSHAL_ERROR, FaultError, error_from_exception


class _Encoder(json.JSONEncoder):
    """``json`` plus ``Decimal`` (boto3's DynamoDB numbers), which the RIC's encoder accepts."""

    def default(self, o):
        # Not imported up front (it costs start-up time): no Decimal exists unless the
        # function imported decimal.
        decimal = sys.modules.get("decimal")
        if decimal is not None and isinstance(o, decimal.Decimal):
            return int(o) if o.is_finite() and o == o.to_integral_value() else float(o)
        return super().default(o)


_encode = _Encoder().encode


def parse_event(body, content_type):
    """JSON events become Python values (an empty body is ``{}``); other content types stay bytes."""
    if content_type.split(";")[0].strip().lower() != "application/json":
        return body
    if not body:
        return {}
    try:
        return json.loads(body)
    except ValueError as err:
        raise FaultError(UNMARSHAL_ERROR, "Unable to unmarshal input: %s" % err) from None


def marshal_result(result):
    """``(body, content_type)``: bytes as they are, anything else as JSON (``None`` → ``null``)."""
    if isinstance(result, (bytes, bytearray)):
        return bytes(result), "application/unknown"
    try:
        return _encode(result).encode("utf-8"), "application/json"
    except Exception as err:
        raise FaultError(MARSHAL_ERROR, "Unable to marshal response: %s" % err) from None


def invoke(handler, inv):
    """
    Runs the handler for ``inv``. Returns ``("response", body, content_type)`` or
    ``("error", error_json)``. ``BaseException``s that are not ``Exception``s (``sys.exit``)
    are not caught: the process ends and the platform reports ``Runtime.ExitError``.
    """
    try:
        context = LambdaContext(inv)
        event = parse_event(inv.body, inv.content_type)
        body, content_type = marshal_result(handler(event, context))
        return ("response", body, content_type)
    except Exception as err:
        return ("error", error_from_exception(err, inv.request_id))
