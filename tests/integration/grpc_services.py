"""The standard gRPC services beside trent's own: grpc.health.v1.Health answers SERVING for the
server and for each of trent's services (and NOT_FOUND for a name it does not serve), and server
reflection lists trent.v1.KeyManagementService, trent.v1.Admin and the health service. The
messages of these standard services are written as raw protobuf bytes here (Debian's grpcio ships
no generated modules for them): field 1 of HealthCheckRequest is the service name, field 1 of
HealthCheckResponse the status (1 = SERVING); field 7 of ServerReflectionRequest asks for the
service list."""

import grpc

import harness

SERVING = b"\x08\x01"


def length_delimited(field, text):
    data = text.encode()
    return bytes([field << 3 | 2, len(data)]) + data


class GrpcServices(harness.TrentdTestCase):
    grpc = True

    def setUp(self):
        self.channel = grpc.insecure_channel(self.server.grpc_target)
        self.addCleanup(self.channel.close)

    def check_health(self, service):
        call = self.channel.unary_unary("/grpc.health.v1.Health/Check")
        request = length_delimited(1, service) if service else b""
        return call(request, timeout=10)

    def test_health_serving(self):
        self.assertEqual(self.check_health(""), SERVING)
        self.assertEqual(self.check_health("trent.v1.KeyManagementService"), SERVING)
        self.assertEqual(self.check_health("trent.v1.Admin"), SERVING)

    def test_health_unknown_service(self):
        with self.assertRaises(grpc.RpcError) as caught:
            self.check_health("no.such.Service")
        self.assertEqual(caught.exception.code(), grpc.StatusCode.NOT_FOUND)

    def test_reflection_lists_services(self):
        call = self.channel.stream_stream(
            "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo")
        answers = list(call(iter([length_delimited(7, "")]), timeout=10))
        self.assertEqual(len(answers), 1)
        for name in ("trent.v1.KeyManagementService", "trent.v1.Admin", "grpc.health.v1.Health"):
            self.assertIn(name.encode(), answers[0])

    def test_reflection_describes_encrypt(self):
        # file_containing_symbol (field 4): the file descriptor of kms.proto comes back.
        call = self.channel.stream_stream(
            "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo")
        answers = list(call(iter([length_delimited(4, "trent.v1.KeyManagementService")]),
                            timeout=10))
        self.assertIn(b"trent/v1/kms.proto", answers[0])
        self.assertIn(b"EncryptRequest", answers[0])


if __name__ == "__main__":
    harness.main()
