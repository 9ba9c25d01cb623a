"""Nexus messages on the wire: every ZeroMQ payload is one `nexus.v1.Envelope` of protocol
version 1; tensors are row-major float32."""
import numpy as np

from nexusrl._proto.nexus.v1 import envelope_pb2, tensor_pb2

PROTOCOL_VERSION = 1


class WireError(ValueError):
    """A message that is not a valid Nexus envelope for this protocol version."""


def decode(payload: bytes) -> envelope_pb2.Envelope:
    envelope = envelope_pb2.Envelope()
    try:
        envelope.ParseFromString(payload)
    except Exception as error:  # protobuf raises DecodeError or others on garbage
        raise WireError(f"not a Nexus message ({len(payload)} bytes): {error}") from error
    if envelope.protocol_version != PROTOCOL_VERSION:
        raise WireError(f"protocol version {envelope.protocol_version}, this side speaks {PROTOCOL_VERSION}")
    return envelope


def encode(**body) -> bytes:
    """`encode(expert_answer=...)`: one envelope around one body message."""
    envelope = envelope_pb2.Envelope(protocol_version=PROTOCOL_VERSION, **body)
    return envelope.SerializeToString()


def to_array(tensor: tensor_pb2.Tensor) -> np.ndarray:
    import math

    shape = tuple(int(d) for d in tensor.shape)
    count = len(tensor.data)
    # Python integers: a forged shape cannot wrap around as numpy's product would.
    if not shape or math.prod(shape) != count:
        raise WireError(f"tensor of shape {list(shape)} carries {count} values")
    return np.asarray(tensor.data, dtype=np.float32).reshape(shape)


def to_tensor(array) -> tensor_pb2.Tensor:
    return fill_tensor(tensor_pb2.Tensor(), array)


def fill_tensor(tensor, array):
    """Writes `array` (row-major float32) into `tensor`, a message or a field of one."""
    array = np.ascontiguousarray(array, dtype=np.float32)
    tensor.shape[:] = array.shape
    tensor.data[:] = array.ravel().tolist()
    return tensor
