"""A Gymnasium environment on the wire: `python -m nexusrl env` steps N copies of one
environment as one batch for one Nexus client (a worker, or the learner evaluating), over a
ZeroMQ DEALER connected to the client's: `EnvRequest` in (describe, reset, step), `EnvReply`
out, each naming its request.

The copies are Gymnasium's own `SyncVectorEnv` with same-step autoreset: a copy whose episode
ends (terminated, or truncated by its TimeLimit) resets in the same step, and the ended
episode's last observation travels in `final_observations` — exactly what Nexus's built-in
vector environments do, so that terminated/truncated, time limits and bootstrapping mean the
same on both. Box actions are clipped to the space's bounds before `step` (as
Stable-Baselines3 does), discrete ones are indices.

What the environment raises is answered as an error (its type, message and where it was
raised); the client counts it and resets or restarts this server. This process exits when
its standard input closes (the client is gone) or on SIGTERM."""
import json
import os
import signal
import sys
import traceback

import numpy as np

from nexusrl import wire
from nexusrl._serving import serve_until_stopped
from nexusrl._proto.nexus.v1 import environment_pb2


class SpaceError(ValueError):
    """A space Nexus does not support, with the reason."""


def parse_kwargs(texts):
    """`env_kwargs` as Nexus sends them (values as text): JSON where it parses (numbers,
    true/false, lists), else the text itself."""
    values = {}
    for name, text in texts.items():
        try:
            values[name] = json.loads(text)
        except ValueError:
            values[name] = text
    return values


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


class Environments:
    """`copies` copies of one environment, stepped together with same-step autoreset."""

    def __init__(self, env_id, kwargs, copies):
        import gymnasium as gym
        from gymnasium.vector import AutoresetMode, SyncVectorEnv

        self.env_id = env_id
        first = make_environment(env_id, kwargs)
        self.observation_dim, self.discrete, self.low, self.high = describe_spaces(first)
        spec = first.spec
        self.max_episode_steps = int(spec.max_episode_steps or 0) if spec is not None else 0
        self.reward_threshold = spec.reward_threshold if spec is not None else None
        self.registered_id = spec.id if spec is not None else env_id
        made = [first]
        factories = [lambda made=made: made.pop() if made else make_environment(env_id, kwargs) for _ in range(copies)]
        self.vector = SyncVectorEnv(factories, autoreset_mode=AutoresetMode.SAME_STEP)
        self.copies = copies
        self._gym = gym
        self._clip = (np.asarray(self.low, dtype=np.float32), np.asarray(self.high, dtype=np.float32)) if not self.discrete else None

    def spaces(self):
        spaces = environment_pb2.EnvSpaces(
            env_id=self.registered_id, copies=self.copies, observation_dim=self.observation_dim, discrete_actions=self.discrete,
            action_low=self.low, action_high=self.high, max_episode_steps=self.max_episode_steps)
        if self.reward_threshold is not None:
            spaces.has_reward_threshold = True
            spaces.reward_threshold = float(self.reward_threshold)
        return spaces

    def _flat(self, observations):
        return np.asarray(observations, dtype=np.float32).reshape(self.copies, self.observation_dim)

    def reset(self, seed=None):
        observations, _ = self.vector.reset(seed=seed)
        zeros = np.zeros((self.copies, self.observation_dim), dtype=np.float32)
        return environment_pb2.EnvStepped(observations=wire.to_tensor(self._flat(observations)), final_observations=wire.to_tensor(zeros))

    def step(self, actions):
        actions = np.asarray(actions, dtype=np.float32)
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
        observations, rewards, terminated, truncated, info = self.vector.step(actions)
        finals = np.zeros((self.copies, self.observation_dim), dtype=np.float32)
        if "_final_obs" in info:
            for index in np.flatnonzero(info["_final_obs"]):
                finals[index] = np.asarray(info["final_obs"][index], dtype=np.float32).reshape(-1)
        stepped = environment_pb2.EnvStepped(
            observations=wire.to_tensor(self._flat(observations)), rewards=np.asarray(rewards, dtype=np.float64).tolist(),
            terminated=np.asarray(terminated, dtype=bool).tolist(), truncated=np.asarray(truncated, dtype=bool).tolist(),
            final_observations=wire.to_tensor(finals))
        unsafe = self._unsafe(info)
        if unsafe is not None:
            stepped.unsafe.extend(unsafe)
        return stepped

    def _unsafe(self, info):
        """`info["unsafe"]` per copy (a copy that ended reports it in its final info)."""
        flags = np.zeros(self.copies, dtype=bool)
        seen = False
        if "unsafe" in info:
            seen = True
            present = info.get("_unsafe", np.ones(self.copies, dtype=bool))
            flags |= np.asarray(present, dtype=bool) & np.asarray(info["unsafe"], dtype=bool)
        final = info.get("final_info")
        if isinstance(final, dict) and "unsafe" in final:
            seen = True
            present = final.get("_unsafe", np.ones(self.copies, dtype=bool))
            ended = np.asarray(info.get("_final_info", np.ones(self.copies, dtype=bool)), dtype=bool)
            flags |= ended & np.asarray(present, dtype=bool) & np.asarray(final["unsafe"], dtype=bool)
        return flags.tolist() if seen else None

    def close(self):
        self.vector.close()


def error_text(error):
    """The error's type and message, and the user's line that raised it."""
    frames = traceback.extract_tb(error.__traceback__)
    where = f" (at {frames[-1].filename}:{frames[-1].lineno})" if frames and not isinstance(error, SpaceError) else ""
    return f"{type(error).__name__}: {error}{where}"


class EnvServer:
    def __init__(self, environments, endpoint, log=None):
        import zmq

        self.environments = environments
        self.log = log or (lambda message: print(message, file=sys.stderr, flush=True))
        self._zmq = zmq
        self.socket = zmq.Context.instance().socket(zmq.DEALER)
        self.socket.setsockopt(zmq.LINGER, 200)
        # Actions of every copy and room to spare: anything larger is not a step of these copies.
        self.socket.setsockopt(zmq.MAXMSGSIZE, environments.copies * max(8, len(environments.low)) * 16 + (1 << 20))
        self.socket.connect(endpoint)
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
                reply.stepped.CopyFrom(self.environments.reset(seed=int(request.reset.seed) if request.reset.seeded else None))
            elif kind == "step":
                reply.stepped.CopyFrom(self.environments.step(wire.to_array(request.step)))
                self.counts["steps"] += 1
            else:
                raise wire.WireError("an environment request without a kind")
        except Exception as error:  # the user's environment: any failure is this reply's error
            self.counts["errors"] += 1
            reply.error = error_text(error)
            self.log(f"the environment failed: {reply.error}")
        return wire.encode(env_reply=reply)

    def serve(self, stop=lambda: False, watch_parent=True):
        why = serve_until_stopped(self.socket, self.serve_waiting, stop=stop, watch_parent=watch_parent)
        return f"its client is gone ({why})" if why else "asked to stop"

    def serve_waiting(self):
        """Replies to every request that has arrived, in order."""
        while True:
            try:
                payload = self.socket.recv(self._zmq.NOBLOCK)
            except self._zmq.Again:
                return
            reply = self.handle(payload)
            if reply is not None:
                self.socket.send(reply)

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


def serve(env_id, kwargs, copies, endpoint, watch_parent=True):
    stopping = []
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda signum, frame: stopping.append(signal.Signals(signum).name))
    if watch_parent:
        _exit_when_stdin_closes()
    server = EnvServer(Environments(env_id, kwargs, copies), endpoint)
    print(f"nexusrl env {env_id} ({copies} copies) connected to {endpoint}", file=sys.stderr, flush=True)
    # The watch thread ends the process when the client goes; the loop need not look.
    why = server.serve(stop=lambda: bool(stopping), watch_parent=False)
    counts = ", ".join(f"{name} {value}" for name, value in sorted(server.counts.items()))
    print(f"nexusrl env stopped ({stopping[0] if stopping else why}): {counts}", file=sys.stderr, flush=True)
    server.close()


def bench_sync_vector(env_id, kwargs, copies, seconds):
    """Gymnasium's own SyncVectorEnv (same-step autoreset) with random actions, in this one
    process: steps per second over `seconds` after a short warm-up (`nexus bench env`'s
    baseline for the bridge)."""
    import time

    environments = Environments(env_id, kwargs, copies)
    try:
        environments.vector.reset(seed=0)
        space = environments.vector.action_space
        space.seed(0)
        warm = time.perf_counter() + min(1.0, seconds / 4)
        while time.perf_counter() < warm:
            environments.vector.step(space.sample())
        steps, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            environments.vector.step(space.sample())
            steps += copies
        return steps / (time.perf_counter() - start)
    finally:
        environments.close()
