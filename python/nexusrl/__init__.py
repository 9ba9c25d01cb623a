"""nexusrl: the Python side of Nexus (see README.md)."""
from nexusrl.files import Demonstrations, Episode, FileError, read_checkpoint, read_demonstrations, write_demonstrations
from nexusrl.policy import Policy, load_policy

__version__ = "0.5.0"
__all__ = [
    "Demonstrations", "Episode", "FileError", "Policy", "load_policy", "read_checkpoint", "read_demonstrations", "write_demonstrations",
]
