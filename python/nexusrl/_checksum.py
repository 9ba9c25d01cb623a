"""The 64-bit checksum of Nexus files (NexusWire's WeightsChecksum.Mixer): against damage,
not against an attacker. Words are mixed eight bytes at a time, little-endian."""
import numpy as np

_MASK = (1 << 64) - 1
_C1 = 0xFF51AFD7ED558CCD
_C2 = 0xC4CEB9FE1A85EC53


def file_checksum(data: bytes) -> int:
    value = 0x9E3779B97F4A7C15
    length = 0
    whole = len(data) // 8
    for word in np.frombuffer(data, dtype="<u8", count=whole).tolist():
        value ^= (word * _C1) & _MASK
        value = ((value << 31) | (value >> 33)) & _MASK
        value = (value * _C2) & _MASK
        length += 8
    tail = len(data)
    for byte in data[whole * 8:]:
        tail = ((tail << 8) | byte) & _MASK
    value ^= (tail * _C1) & _MASK
    value = ((value << 31) | (value >> 33)) & _MASK
    value = (value * _C2) & _MASK
    length += 8
    value ^= length & _MASK
    value ^= value >> 33
    value = (value * _C1) & _MASK
    value ^= value >> 33
    return value
