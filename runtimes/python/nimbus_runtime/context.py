"""The Lambda ``context`` object a handler gets, as the RIC builds it."""
import json
import os
import sys
import time

from .errors import CONTEXT_UNMARSHAL_ERROR, FaultError


class CognitoIdentity:
    __slots__ = ("cognito_identity_id", "cognito_identity_pool_id")

    def __repr__(self):
        return "CognitoIdentity([cognito_identity_id=%s,cognito_identity_pool_id=%s])" % (
            self.cognito_identity_id,
            self.cognito_identity_pool_id,
        )


class Client:
    __slots__ = ("installation_id", "app_title", "app_version_name", "app_version_code", "app_package_name")


class ClientContext:
    __slots__ = ("custom", "env", "client")


def _from_dict(cls, data):
    """An instance of ``cls`` with each slot read from ``data`` (missing → None)."""
    obj = cls()
    for field in cls.__slots__:
        setattr(obj, field, data.get(field) if isinstance(data, dict) else None)
    return obj


def _parse_header(raw, name):
    try:
        return json.loads(raw)
    except Exception as err:
        raise FaultError(CONTEXT_UNMARSHAL_ERROR, "Unable to parse %s JSON: %s" % (name, err)) from None


# Read once: the function's configuration does not change within an instance.
_FUNCTION_DATA = {}


def read_function_data():
    """(Re)reads the function's configuration from the environment: at import, and once more
    in a prewarmed sandbox when its function's environment arrives (nimbus_runtime.pooled)."""
    env = os.environ
    _FUNCTION_DATA.update(
        function_name=env.get("AWS_LAMBDA_FUNCTION_NAME"),
        function_version=env.get("AWS_LAMBDA_FUNCTION_VERSION"),
        memory_limit_in_mb=env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"),
        log_group_name=env.get("AWS_LAMBDA_LOG_GROUP_NAME"),
        log_stream_name=env.get("AWS_LAMBDA_LOG_STREAM_NAME"),
    )


read_function_data()


class LambdaContext:
    """
    ``aws_request_id``, ``function_name``, ``function_version``, ``invoked_function_arn``,
    ``memory_limit_in_mb`` (a string, as on Lambda), ``log_group_name``, ``log_stream_name``,
    ``client_context`` (None unless the caller sent one), ``identity``, ``tenant_id`` and
    ``get_remaining_time_in_millis()``. A fresh one per invocation.
    """

    def __init__(self, inv):
        self.__dict__.update(_FUNCTION_DATA)
        self.aws_request_id = inv.request_id
        self.invoked_function_arn = inv.invoked_function_arn
        self.tenant_id = inv.tenant_id
        self.client_context = None
        if inv.client_context:
            raw = _parse_header(inv.client_context, "Client Context")
            self.client_context = _from_dict(ClientContext, raw)
            self.client_context.client = (
                _from_dict(Client, self.client_context.client) if self.client_context.client is not None else None
            )
        identity = _parse_header(inv.cognito_identity, "Cognito Identity") if inv.cognito_identity else {}
        self.identity = CognitoIdentity()
        self.identity.cognito_identity_id = identity.get("cognitoIdentityId") if isinstance(identity, dict) else None
        self.identity.cognito_identity_pool_id = (
            identity.get("cognitoIdentityPoolId") if isinstance(identity, dict) else None
        )
        self._deadline_ms = inv.deadline_ms

    def get_remaining_time_in_millis(self):
        return max(0, self._deadline_ms - int(time.time() * 1000))

    def log(self, msg):
        """Writes ``str(msg)`` to stdout as is (the RIC's ``context.log``)."""
        sys.stdout.write(str(msg))

    def __repr__(self):
        return "LambdaContext([aws_request_id=%s,function_name=%s,function_version=%s,invoked_function_arn=%s])" % (
            self.aws_request_id,
            self.function_name,
            self.function_version,
            self.invoked_function_arn,
        )
