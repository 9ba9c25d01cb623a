"""CurveZMQ keys as `nexus keys generate` writes them: `server.key` / `client.key` hold two
lines, `public KEY` and `secret KEY` (Z85, 40 characters; `#` starts a comment), and
`allowed_clients` the client public keys a server admits, one per line."""
import os

import zmq
import zmq.utils.z85


class KeyFileError(ValueError):
    """A key file that is missing or not in Nexus's form, named."""


def _z85(text, path):
    text = text.strip()
    if len(text) != 40:
        raise KeyFileError(f"{path}: a CurveZMQ key is 40 Z85 characters, got {len(text)}")
    try:
        if len(zmq.utils.z85.decode(text.encode())) != 32:
            raise ValueError("not 32 bytes")
    except Exception as error:  # z85 raises on characters outside its alphabet
        raise KeyFileError(f'{path}: "{text}" is not Z85 ({error})') from error
    return text.encode()


def _lines(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return [line.strip() for line in handle if line.strip() and not line.lstrip().startswith("#")]
    except OSError as error:
        raise KeyFileError(f"cannot read {path}: {error.strerror}") from error


def read_pair(path):
    """`(public, secret)` Z85 bytes from a key pair file."""
    found = {}
    for line in _lines(path):
        kind, _, key = line.partition(" ")
        if kind not in ("public", "secret") or not key:
            raise KeyFileError(f'{path}: a line is neither "public KEY" nor "secret KEY"')
        found[kind] = _z85(key, path)
    if set(found) != {"public", "secret"}:
        raise KeyFileError(f"{path}: needs a public and a secret key")
    return found["public"], found["secret"]


def read_allowlist(path):
    return {_z85(line, path) for line in _lines(path)}


class CurveServerKeys:
    """A server's pair and the clients it admits, from a keys directory."""

    def __init__(self, directory):
        self.directory = directory
        self.public, self.secret = read_pair(os.path.join(directory, "server.key"))
        self.allowed = read_allowlist(os.path.join(directory, "allowed_clients"))
