"""A Python gRPC client of trentd's trent.v1.KeyManagementService for the tests, built on
python3-grpcio and the modules protoc makes of proto/ at build time (TRENT_PROTO_PY, set by
tests/integration/CMakeLists.txt). Requests and answers are AWS JSON dicts (blobs base64,
timestamps epoch seconds), as on the HTTP frontend, so the two can be compared."""

import base64
import os
import sys

import grpc

_proto_py = os.environ.get("TRENT_PROTO_PY")
if not _proto_py:
    sys.exit("TRENT_PROTO_PY is not set: run these tests through ctest "
             "(tests/integration/CMakeLists.txt)")
sys.path.insert(0, _proto_py)

from google.protobuf import json_format  # noqa: E402
from google.rpc import status_pb2  # noqa: E402
from trent.v1 import kms_pb2  # noqa: E402

SERVICE = kms_pb2.DESCRIPTOR.services_by_name["KeyManagementService"]
ERROR_DOMAIN = "kms.amazonaws.com"
STATUS_DETAILS_KEY = "grpc-status-details-bin"
TIMESTAMP = "google.protobuf.Timestamp"


class AwsError(Exception):
    """A failed call: the gRPC status code, the AWS error type (ErrorInfo.reason) and message."""

    def __init__(self, code, error_type, message):
        super().__init__(f"{error_type}: {message} ({code.name})")
        self.code = code
        self.type = error_type
        self.message = message


def to_aws(message):
    """A message as its AWS JSON dict: every field set, under its json_name (the AWS member)."""
    return {field.json_name: _value(field, value) for field, value in message.ListFields()}


def _value(field, value):
    if field.message_type is not None and field.message_type.GetOptions().map_entry:
        value_field = field.message_type.fields_by_name["value"]
        return {k: _single(value_field, v) for k, v in value.items()}
    if field.label == field.LABEL_REPEATED:
        return [_single(field, v) for v in value]
    return _single(field, value)


def _single(field, value):
    if field.type == field.TYPE_BYTES:
        return base64.b64encode(value).decode()
    if field.type == field.TYPE_MESSAGE:
        if field.message_type.full_name == TIMESTAMP:
            # As JSON's decimal text would read (AWS sends epoch seconds with milliseconds).
            return value.seconds if value.nanos == 0 else float(f"{value.seconds}.{value.nanos:09d}")
        return to_aws(value)
    return value


def message_class(descriptor):
    return getattr(kms_pb2, descriptor.name)


def from_aws(request, descriptor):
    """The message of type `descriptor` from an AWS JSON request dict (no timestamps: no request
    of an operation trent implements has one)."""
    return json_format.ParseDict(request, message_class(descriptor)())


def error_of(rpc_error):
    """The AwsError a failed call carries (grpc-status-details-bin: google.rpc.Status whose
    first detail is a google.rpc.ErrorInfo); raises AssertionError when it carries none."""
    details = dict(rpc_error.trailing_metadata() or ()).get(STATUS_DETAILS_KEY)
    if details is None:
        raise AssertionError(f"gRPC error without {STATUS_DETAILS_KEY}: "
                             f"{rpc_error.code()} {rpc_error.details()}")
    status = status_pb2.Status.FromString(details)
    info = status_pb2.ErrorInfo()
    if not status.details or not status.details[0].Unpack(info):
        raise AssertionError(f"google.rpc.Status without an ErrorInfo: {status}")
    if info.domain != ERROR_DOMAIN:
        raise AssertionError(f"ErrorInfo domain {info.domain!r}, expected {ERROR_DOMAIN!r}")
    if status.code != rpc_error.code().value[0] or status.message != rpc_error.details():
        raise AssertionError(f"google.rpc.Status {status.code} {status.message!r} differs from "
                             f"the call's {rpc_error.code()} {rpc_error.details()!r}")
    return AwsError(rpc_error.code(), info.reason, rpc_error.details())


class Kms:
    """trent.v1.KeyManagementService at HOST:PORT."""

    def __init__(self, target):
        self.channel = grpc.insecure_channel(target)

    def close(self):
        self.channel.close()

    def call(self, operation, request=None, metadata=None):
        """The answer of `operation` to an AWS JSON request, as an AWS JSON dict; raises
        AwsError."""
        method = SERVICE.methods_by_name[operation]
        response_class = message_class(method.output_type)
        stub = self.channel.unary_unary(
            f"/{SERVICE.full_name}/{operation}",
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=response_class.FromString)
        try:
            answer = stub(from_aws(request or {}, method.input_type), timeout=30,
                          metadata=metadata)
        except grpc.RpcError as e:
            raise error_of(e) from None
        return to_aws(answer)
