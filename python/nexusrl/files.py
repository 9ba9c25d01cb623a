"""Nexus files: checkpoints (`NXCKPT02`) and demonstration files (`NXDEMO02`), with the
checks Nexus makes (magic, length, checksum), so a torn or damaged file is refused with its
reason instead of read as a wrong one."""
import json
import struct

import numpy as np
from google.protobuf.message import DecodeError

from nexusrl import wire
from nexusrl._checksum import file_checksum
from nexusrl.kwargs import value_from_text
from nexusrl._proto.nexus.v1 import control_pb2, storage_pb2, trajectory_pb2

CHECKPOINT_MAGIC = b"NXCKPT02"
DEMOS_MAGIC = b"NXDEMO02"
DEMOS_TRAILER = b"NXDEMEND"


class FileError(ValueError):
    """A file that is not a valid Nexus file, with the reason."""


def _read(path) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as error:
        raise FileError(f"cannot read {path}: {error.strerror}") from error


def read_checkpoint(path) -> storage_pb2.Checkpoint:
    data = _read(path)
    if len(data) < 24 or data[:8] != CHECKPOINT_MAGIC:
        raise FileError(f"{path} is not a Nexus checkpoint (no NXCKPT02 header)")
    length, checksum = struct.unpack_from("<QQ", data, 8)
    payload = data[24:]
    if length != len(payload):
        raise FileError(f"{path} is torn: its header promises {length} bytes of checkpoint, the file holds {len(payload)}")
    if file_checksum(payload) != checksum:
        raise FileError(f"{path} is damaged: its checksum does not match its contents")
    checkpoint = storage_pb2.Checkpoint()
    try:
        checkpoint.ParseFromString(payload)
    except DecodeError as error:
        raise FileError(f"{path}: its checksum holds but the checkpoint does not decode ({error})") from None
    return checkpoint


class Episode:
    """One demonstration episode as numpy arrays: `observations` `[T, obs_dim]` (the states
    acted on), `actions` `[T, act_dim]` (indices as floats for discrete spaces), `rewards`
    `[T]`, `final_observation` `[obs_dim]`, `terminated` (else truncated at the time limit),
    and `expert_actions` `[T, act_dim]` (the labels; the executed actions when the expert
    acted throughout)."""

    def __init__(self, observations, actions, rewards, final_observation, terminated, expert_actions=None):
        self.observations = np.asarray(observations, dtype=np.float32)
        self.actions = np.asarray(actions, dtype=np.float32)
        if self.actions.ndim == 1:
            self.actions = self.actions[:, None]
        self.rewards = np.asarray(rewards, dtype=np.float32)
        self.final_observation = np.asarray(final_observation, dtype=np.float32)
        self.terminated = bool(terminated)
        labels = self.actions if expert_actions is None else np.asarray(expert_actions, dtype=np.float32)
        self.expert_actions = labels[:, None] if labels.ndim == 1 else labels
        steps = len(self.rewards)
        if steps == 0:
            raise ValueError("an episode needs at least one step")
        if self.observations.ndim != 2 or self.observations.shape[0] != steps:
            raise ValueError(f"observations must be [{steps}, obs_dim], got {list(self.observations.shape)}")
        if self.actions.shape[0] != steps or self.expert_actions.shape != self.actions.shape:
            raise ValueError(f"actions and expert_actions must be [{steps}, act_dim], got {list(self.actions.shape)} and {list(self.expert_actions.shape)}")
        if self.final_observation.shape != (self.observations.shape[1],):
            raise ValueError(f"final_observation must be [{self.observations.shape[1]}], got {list(self.final_observation.shape)}")
        for name in ("observations", "actions", "rewards", "final_observation", "expert_actions"):
            if not np.all(np.isfinite(getattr(self, name))):
                raise ValueError(f"{name} holds a value that is not finite")

    def __len__(self):
        return len(self.rewards)


class Demonstrations:
    """A demonstration file's header and episodes."""

    def __init__(self, env_id, observation_dim, action_dim, discrete_actions, episodes, expert="", seed=0, env_kwargs=None):
        self.env_id = env_id
        self.observation_dim = observation_dim
        self.action_dim = action_dim
        self.discrete_actions = discrete_actions
        self.episodes = list(episodes)
        self.expert = expert
        self.seed = seed
        self.env_kwargs = dict(env_kwargs or {})

    @property
    def total_steps(self):
        return sum(len(episode) for episode in self.episodes)


def read_demonstrations(path) -> Demonstrations:
    data = _read(path)
    if data[:8] != DEMOS_MAGIC:
        raise FileError(f"{path} is not a Nexus demonstration file (it does not start with NXDEMO02)")
    if len(data) < 24 or data[-16:-8] != DEMOS_TRAILER:
        raise FileError(f"demonstration file {path} is damaged: it ends without its NXDEMEND trailer (cut short)")
    body = data[:-16]
    (stored,) = struct.unpack_from("<Q", data, len(data) - 8)
    if file_checksum(body) != stored:
        raise FileError(f"demonstration file {path} is damaged: its checksum does not match its contents")
    offset, header, episodes = 8, None, []
    while offset < len(body):
        if len(body) - offset < 4:
            raise FileError(f"demonstration file {path} is truncated at byte {offset}")
        (length,) = struct.unpack_from("<I", body, offset)
        offset += 4
        record = storage_pb2.DemonstrationRecord()
        try:
            record.ParseFromString(body[offset:offset + length])
        except DecodeError as error:
            raise FileError(f"demonstration file {path}: the record at byte {offset} does not decode ({error})") from None
        offset += length
        if record.HasField("header"):
            if header is not None:
                raise FileError(f"demonstration file {path}: a second header")
            header = record.header
        else:
            if header is None:
                raise FileError(f"demonstration file {path}: an episode before the header")
            episodes.append(_episode(record.episode, path, len(episodes)))
    if header is None:
        raise FileError(f"demonstration file {path} holds no header")
    return Demonstrations(
        header.env_id, header.observation_dim, header.action_dim, header.discrete_actions, episodes,
        expert=header.expert, seed=header.seed,
        env_kwargs={**{m.name: m.value for m in header.env_kwargs}, **{t.name: value_from_text(t.value) for t in header.gym_kwargs}})


def _as_text(value):
    # numpy scalars (np.float32, np.bool_) as the Python values they hold.
    return value if isinstance(value, str) else json.dumps(value, default=lambda v: v.item())


def _episode(trajectory, path, index) -> Episode:
    observations = wire.to_array(trajectory.observations)
    actions = wire.to_array(trajectory.actions)
    steps = actions.shape[0]
    finals = wire.to_array(trajectory.final_observations) if trajectory.final_observation_steps else None
    if finals is None or list(trajectory.final_observation_steps) != [steps - 1]:
        raise FileError(f"demonstration file {path}, episode {index}: not one whole episode (it must end on its last step)")
    labels = wire.to_array(trajectory.expert_actions) if trajectory.expert_mask else None
    return Episode(observations[:steps], actions, list(trajectory.rewards), finals[0], trajectory.terminated[-1], labels)


def write_demonstrations(path, demonstrations: Demonstrations, nexus_version="nexusrl"):
    """Writes a demonstration file Nexus reads (`nexus train --demos PATH`), atomically."""
    import os

    d = demonstrations
    for index, episode in enumerate(d.episodes):
        if episode.observations.shape[1] != d.observation_dim or episode.actions.shape[1] != d.action_dim:
            raise ValueError(f"episode {index}: observations of {episode.observations.shape[1]} and actions of {episode.actions.shape[1]} "
                             f"do not fit the header ({d.observation_dim}, {d.action_dim})")
    header = storage_pb2.DemonstrationHeader(
        format_version=1, env_id=d.env_id, observation_dim=d.observation_dim, action_dim=d.action_dim,
        discrete_actions=d.discrete_actions, expert=d.expert, seed=d.seed, nexus_version=nexus_version,
        # A gym: environment takes any JSON value (kept as text); Nexus's own take numbers.
        **({"gym_kwargs": [storage_pb2.TextArgument(name=name, value=_as_text(value)) for name, value in sorted(d.env_kwargs.items())]}
           if d.env_id.startswith("gym:") else
           {"env_kwargs": [control_pb2.Metric(name=name, value=float(value)) for name, value in sorted(d.env_kwargs.items())]}))
    records = [storage_pb2.DemonstrationRecord(header=header)]
    for episode in d.episodes:
        steps = len(episode)
        last = [False] * (steps - 1)
        trajectory = trajectory_pb2.Trajectory(
            env_id=d.env_id,
            observations=wire.to_tensor(np.vstack([episode.observations, episode.final_observation[None, :]])),
            actions=wire.to_tensor(episode.actions), rewards=episode.rewards.tolist(),
            terminated=last + [episode.terminated], truncated=last + [not episode.terminated],
            final_observations=wire.to_tensor(episode.final_observation[None, :]), final_observation_steps=[steps - 1],
            expert_actions=wire.to_tensor(episode.expert_actions), expert_mask=[True] * steps, expert_acted=[True] * steps,
            completed_episode_returns=[float(np.sum(episode.rewards, dtype=np.float64))], completed_episode_lengths=[steps])
        records.append(storage_pb2.DemonstrationRecord(episode=trajectory))
    body = bytearray(DEMOS_MAGIC)
    for record in records:
        payload = record.SerializeToString()
        body += struct.pack("<I", len(payload)) + payload
    data = bytes(body) + DEMOS_TRAILER + struct.pack("<Q", file_checksum(bytes(body)))
    temporary = f"{path}.tmp-{os.getpid()}"
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
