"""A Gymnasium environment on the wire: `python -m nexusrl env` steps N copies of one
environment as one batch for one Nexus client (a worker, or the learner evaluating), over a
Unix socket the client listens on (frames of a 4-byte little-endian length and one Nexus
envelope): `EnvRequest` in (describe, reset, step), `EnvReply` out, each naming its request.

The copies step as Gymnasium's `SyncVectorEnv` with same-step autoreset steps them: a copy
whose episode ends (terminated, or truncated by its TimeLimit) resets in the same step, and the
ended episode's last observation travels in `final_observations` — exactly what Nexus's
built-in vector environments do, so that terminated/truncated, time limits and bootstrapping mean the
same on both. Box actions are clipped to the space's bounds before `step` (as
Stable-Baselines3 does), discrete ones are indices.

What the environment raises is answered as an error (its type, message and where it was
raised); the client counts it and resets or restarts this server. This process exits when
its standard input closes (the client is gone) or on SIGTERM."""
import os
import signal
import sys
import traceback

import numpy as np

from nexusrl import wire
from nexusrl.kwargs import value_from_text
from nexusrl._proto.nexus.v1 import environment_pb2


class SpaceError(ValueError):
    """A space Nexus does not support, with the reason."""


def parse_kwargs(texts):
    """`env_kwargs` as Nexus sends them (values as text), as `gymnasium.make` gets them."""
    return {name: value_from_text(text) for name, text in texts.items()}


def describe_spaces(env):
    """`(observation_dim, discrete_count, low, high)` of a single environment, or SpaceError."""
    import gymnasium as gym

    observation, action = env.observation_space, env.action_space
    if not isinstance(observation, gym.spaces.Box):
        raise SpaceError(
            f"observation space {observation} is not a Box: Nexus's policies read flat float vectors "
            "(wrap the environment, e.g. gymnasium.wrappers.FlattenObservation, and register that)")
    dimension = int(np.prod(observation.shape)) if observation.shape else 1
    if isinstance(action, gym.spaces.Discrete):
        if int(action.start) != 0:
            raise SpaceError(f"action space {action} starts at {action.start}: Nexus's discrete actions are 0..n-1")
        return dimension, int(action.n), [], []
    if isinstance(action, gym.spaces.Box):
        if len(action.shape) != 1:
            raise SpaceError(f"action space {action} is not one-dimensional: Nexus's continuous actions are flat vectors")
        if not (np.all(np.isfinite(action.low)) and np.all(np.isfinite(action.high))):
            raise SpaceError(
                f"action space {action} is unbounded: Nexus's Gaussian policies act within finite bounds "
                "(wrap the environment, e.g. gymnasium.wrappers.RescaleAction, and register that)")
        return dimension, 0, action.low.astype(np.float32).tolist(), action.high.astype(np.float32).tolist()
    raise SpaceError(
        f"action space {action} is neither Discrete nor a one-dimensional Box: Nexus's policies have a categorical "
        "or a Gaussian head (MultiDiscrete, MultiBinary, Tuple and Dict actions are not supported)")


def make_environment(env_id, kwargs):
    """One `gymnasium.make(env_id, **kwargs)` (`module:Id` imports the module first)."""
    import gymnasium as gym

    return gym.make(env_id, **kwargs)


def first_observations(env_id, kwargs, count):
    """`count` observations of the environment, as flat float32 rows: its resets from seeds
    0, 1, … (what the expert check asks the expert about)."""
    env = make_environment(env_id, kwargs)
    try:
        rows = [np.asarray(env.reset(seed=seed)[0], dtype=np.float32).reshape(-1) for seed in range(count)]
    finally:
        env.close()
    return np.stack(rows)


class Environments:
    """`copies` copies of one environment, stepped together with same-step autoreset.

    Stepped here rather than through `SyncVectorEnv`: the same calls in the same order (copy
    `i` reset from `seed + i`; a copy that ends is reset at once, without a seed, and its last
    observation is the step's final one), without merging every copy's `info` into a batch
    dictionary, which costs as much as the rest of the batching for small environments. Only
    `info["unsafe"]` is read, from the step's own info (an ended copy's too, not its reset's)."""

    def __init__(self, env_id, kwargs, copies):
        self.env_id = env_id
        self.envs = [make_environment(env_id, kwargs)]
        try:
            self.observation_dim, self.discrete, self.low, self.high = describe_spaces(self.envs[0])
            spec = self.envs[0].spec
            self.max_episode_steps = int(spec.max_episode_steps or 0) if spec is not None else 0
            self.reward_threshold = spec.reward_threshold if spec is not None else None
            self.registered_id = spec.id if spec is not None else env_id
            while len(self.envs) < copies:
                self.envs.append(make_environment(env_id, kwargs))
                # As SyncVectorEnv checks: every copy has the first one's spaces.
                if describe_spaces(self.envs[-1]) != (self.observation_dim, self.discrete, self.low, self.high):
                    raise SpaceError(f"copy {len(self.envs) - 1} of {env_id} has other spaces than copy 0")
        except BaseException:
            self.close()
            raise
        self.copies = copies
        self._clip = (np.asarray(self.low, dtype=np.float32), np.asarray(self.high, dtype=np.float32)) if not self.discrete else None
        shape = (copies, self.observation_dim)
        self.observations = np.zeros(shape, dtype=np.float32)
        self.final_observations = np.zeros(shape, dtype=np.float32)
        self.rewards = np.zeros(copies, dtype=np.float64)
        self.terminated = np.zeros(copies, dtype=bool)
        self.truncated = np.zeros(copies, dtype=bool)
        self.unsafe = np.zeros(copies, dtype=bool)
        self.unsafe_reported = False

    def spaces(self):
        spaces = environment_pb2.EnvSpaces(
            env_id=self.registered_id, copies=self.copies, observation_dim=self.observation_dim, discrete_actions=self.discrete,
            action_low=self.low, action_high=self.high, max_episode_steps=self.max_episode_steps)
        if self.reward_threshold is not None:
            spaces.has_reward_threshold = True
            spaces.reward_threshold = float(self.reward_threshold)
        return spaces

    def _row(self, observation):
        row = np.asarray(observation, dtype=np.float32).reshape(-1)
        if row.size != self.observation_dim:
            raise SpaceError(f"an observation of {row.size} values, where the observation space has {self.observation_dim}")
        return row

    def reset(self, seed=None, into=None):
        """Every copy reset (copy i from `seed + i`, as `SyncVectorEnv.reset(seed=seed)`)."""
        for index, env in enumerate(self.envs):
            observation, _ = env.reset(seed=None if seed is None else seed + index)
            self.observations[index] = self._row(observation)
        self.final_observations[:] = 0
        self.rewards[:] = 0
        self.terminated[:] = False
        self.truncated[:] = False
        self.unsafe_reported = False
        return self.stepped(step=False, into=into)

    def step(self, actions, into=None, idle=()):
        """Every copy steps with its row of `actions`, but those `idle` marks (empty: none),
        which stay where they are: reward 0, not ended, not unsafe."""
        actions = np.asarray(actions, dtype=np.float32)
        if len(idle) not in (0, self.copies):
            raise wire.WireError(f"{len(idle)} idle flags for {self.copies} copies")
        if self.discrete:
            expected = (self.copies, 1)
            if actions.shape != expected:
                raise wire.WireError(f"actions of shape {list(actions.shape)}, expected {list(expected)}")
            indices = actions[:, 0]
            if not np.all((indices == np.round(indices)) & (indices >= 0) & (indices < self.discrete)):
                raise wire.WireError(f"an action outside Discrete({self.discrete})")
            actions = indices.astype(np.int64)
        else:
            expected = (self.copies, len(self.low))
            if actions.shape != expected:
                raise wire.WireError(f"actions of shape {list(actions.shape)}, expected {list(expected)}")
            actions = np.clip(actions, *self._clip)
        self.final_observations[:] = 0
        self.unsafe_reported = False
        for index, env in enumerate(self.envs):
            if idle and idle[index]:
                self.rewards[index], self.terminated[index], self.truncated[index], self.unsafe[index] = 0.0, False, False, False
                continue
            observation, reward, terminated, truncated, info = env.step(actions[index])
            self.rewards[index] = reward
            self.terminated[index] = terminated
            self.truncated[index] = truncated
            if "unsafe" in info:
                self.unsafe_reported = True
                self.unsafe[index] = bool(info["unsafe"])
            else:
                self.unsafe[index] = False
            if terminated or truncated:
                self.final_observations[index] = self._row(observation)
                observation, _ = env.reset()
            self.observations[index] = self._row(observation)
        return self.stepped(step=True, into=into)

    def stepped(self, step, into=None):
        """The copies' state as the wire carries it, written into `into` (a reply's field:
        no copy of the message afterwards) or a new message."""
        stepped = environment_pb2.EnvStepped() if into is None else into
        wire.fill_tensor(stepped.observations, self.observations)
        wire.fill_tensor(stepped.final_observations, self.final_observations)
        if step:
            stepped.rewards.extend(self.rewards.tolist())
            stepped.terminated.extend(self.terminated.tolist())
            stepped.truncated.extend(self.truncated.tolist())
            if self.unsafe_reported:
                stepped.unsafe.extend(self.unsafe.tolist())
        return stepped

    def close(self):
        for env in self.envs:
            env.close()


def error_text(error):
    """The error's type and message, and the user's line that raised it."""
    frames = traceback.extract_tb(error.__traceback__)
    where = f" (at {frames[-1].filename}:{frames[-1].lineno})" if frames and not isinstance(error, SpaceError) else ""
    return f"{type(error).__name__}: {error}{where}"


class EnvServer:
    """Answers one client's requests on the Unix socket it listens on: frames of a 4-byte
    little-endian length and one Nexus envelope each, request and reply in turn."""

    def __init__(self, environments, path, log=None):
        import socket

        self.environments = environments
        self.log = log or (lambda message: print(message, file=sys.stderr, flush=True))
        self.socket = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.socket.connect(path)
        self._buffer = bytearray()
        # Awake this long for the next request (bench env --env gym:HalfCheetah-v5, one worker:
        # 0 s 0.74 of SyncVectorEnv's rate, 0.1 ms 0.81, 0.3 ms 0.85, 1 ms 0.86; two workers
        # 1.67-1.69 with any: the spin yields the processor to whoever needs it).
        self.spin_seconds = 0.0003
        # The actions of every copy and room to spare: anything longer is not a request.
        self._longest = environments.copies * max(8, len(environments.low)) * 16 + (1 << 20)
        self.counts = {"requests": 0, "steps": 0, "errors": 0, "rejected_messages": 0}

    def handle(self, payload):
        """The reply to one request (bytes), or None for a message that is not a request."""
        try:
            envelope = wire.decode(payload)
        except wire.WireError as error:
            self.counts["rejected_messages"] += 1
            self.log(f"refused a message that does not decode: {error}")
            return None
        if envelope.WhichOneof("body") != "env_request":
            self.counts["rejected_messages"] += 1
            return None
        request = envelope.env_request
        self.counts["requests"] += 1
        reply = environment_pb2.EnvReply(request_id=request.request_id)
        try:
            kind = request.WhichOneof("kind")
            if kind == "describe":
                reply.spaces.CopyFrom(self.environments.spaces())
            elif kind == "reset":
                self.environments.reset(seed=int(request.reset.seed) if request.reset.seeded else None, into=reply.stepped)
            elif kind == "step":
                self.environments.step(wire.to_array(request.step), into=reply.stepped, idle=list(request.idle))
                self.counts["steps"] += 1
            else:
                raise wire.WireError("an environment request without a kind")
        except Exception as error:  # the user's environment: any failure is this reply's error
            self.counts["errors"] += 1
            reply.ClearField("stepped")
            reply.error = error_text(error)
            self.log(f"the environment failed: {reply.error}")
        return wire.encode(env_reply=reply)

    def _receive(self):
        """The bytes that have arrived (b"" once the client closed its end). A client steps
        again within microseconds of a reply: look for its request awake for a moment,
        yielding the processor, before sleeping (a sleeping process wakes slowly on a VM)."""
        import socket
        import time

        try:
            return self.socket.recv(1 << 16, socket.MSG_DONTWAIT)
        except BlockingIOError:
            pass
        until = time.perf_counter() + self.spin_seconds
        while time.perf_counter() < until:
            os.sched_yield()
            try:
                return self.socket.recv(1 << 16, socket.MSG_DONTWAIT)
            except BlockingIOError:
                pass
        return self.socket.recv(1 << 16)

    def _read(self, count):
        while len(self._buffer) < count:
            chunk = self._receive()
            if not chunk:
                return None
            self._buffer += chunk
        data = bytes(self._buffer[:count])
        del self._buffer[:count]
        return data

    def _read_frame(self):
        """The next request's bytes, or None once the client has closed its end."""
        header = self._read(4)
        if header is None:
            return None
        length = int.from_bytes(header, "little")
        if length > self._longest:
            raise wire.WireError(f"a frame of {length} bytes, more than the {self._longest} a request of these copies takes")
        return self._read(length)

    def serve(self):
        """Answers until the client closes its end (returns why) or a signal stops it."""
        while True:
            payload = self._read_frame()
            if payload is None:
                return "its client is gone (its socket closed)"
            reply = self.handle(payload)
            if reply is not None:
                self.socket.sendall(len(reply).to_bytes(4, "little") + reply)

    def close(self):
        self.socket.close()
        self.environments.close()


def describe(env_id, kwargs):
    """The environment's spaces as JSON-ready values (`python -m nexusrl describe-env`)."""
    environments = Environments(env_id, kwargs, 1)
    try:
        return {
            "env_id": environments.registered_id, "observation_dim": environments.observation_dim,
            "discrete_actions": environments.discrete, "action_low": environments.low, "action_high": environments.high,
            "max_episode_steps": environments.max_episode_steps, "reward_threshold": environments.reward_threshold,
        }
    finally:
        environments.close()


def _exit_when_stdin_closes():
    """Ends this process as soon as its client is gone, even in the middle of a step that
    hangs (the serving loop only looks between requests)."""
    import threading

    def watch():
        try:
            while os.read(sys.stdin.fileno(), 4096):
                pass
        except OSError:
            pass
        os._exit(0)

    threading.Thread(target=watch, daemon=True, name="stdin-watch").start()


class _Stop(BaseException):
    """SIGTERM or SIGINT: ends a blocking read or a step under way (not an `Exception`: the
    environment's own failures are caught as those and answered; this must get through)."""


def serve(env_id, kwargs, copies, path, watch_parent=True):
    def stop(signum, frame):
        raise _Stop(signal.Signals(signum).name)

    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, stop)
    # A process started by Foundation's Process inherits a mask with these blocked (Swift
    # roles take signals through dispatch sources): unblocked, or SIGTERM would never arrive.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    if watch_parent:
        _exit_when_stdin_closes()
    try:
        environments = Environments(env_id, kwargs, copies)
    except _Stop as stopped:
        print(f"nexusrl env stopped while making {env_id} ({stopped})", file=sys.stderr, flush=True)
        return
    server = EnvServer(environments, path)
    print(f"nexusrl env {env_id} ({copies} copies) connected to {path}", file=sys.stderr, flush=True)
    try:
        why = server.serve()
    except _Stop as stopped:
        why = f"{stopped}"
    except (OSError, wire.WireError) as error:
        why = f"its channel failed: {error}"
    counts = ", ".join(f"{name} {value}" for name, value in sorted(server.counts.items()))
    print(f"nexusrl env stopped ({why}): {counts}", file=sys.stderr, flush=True)
    server.close()


def bench_sync_vector(env_id, kwargs, copies, seconds):
    """Gymnasium's own SyncVectorEnv (same-step autoreset) with random actions, in this one
    process: steps per second over `seconds` after a short warm-up (`nexus bench env`'s
    baseline for the bridge)."""
    import time

    from gymnasium.vector import AutoresetMode, SyncVectorEnv

    vector = SyncVectorEnv([lambda: make_environment(env_id, kwargs) for _ in range(copies)], autoreset_mode=AutoresetMode.SAME_STEP)
    try:
        vector.reset(seed=0)
        space = vector.action_space
        space.seed(0)
        warm = time.perf_counter() + min(1.0, seconds / 4)
        while time.perf_counter() < warm:
            vector.step(space.sample())
        steps, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            vector.step(space.sample())
            steps += copies
        return steps / (time.perf_counter() - start)
    finally:
        vector.close()
