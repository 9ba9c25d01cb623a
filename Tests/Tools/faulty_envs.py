"""Gymnasium environments for the fault tests of `gym:` environments (`gym:faulty_envs:ID`).

FaultyCartPole-v0: Gymnasium's CartPole-v1 that misbehaves once per fault kind and run: each
kind in `faults` ("raise", "reset", "nan", "shape", "die", "hang", comma-separated) fires in
the first copy to have taken `every` × (its position + 1) steps in one server process, and
only once per run (but "make" fires whenever the environment is made: it cannot be) (a marker file in `markers`, taken with O_EXCL, says it fired); with
`only_in`, only in servers whose parent's command line holds that word (`worker`: a
worker's environments, `learner`: the evaluation's). Nexus must count each, restart the
server and go on.

Boxes-v0: a Tuple observation space, which Nexus refuses (`gym:faulty_envs:Boxes-v0`).
"""
import os
import time

import gymnasium as gym
import numpy as np
from gymnasium.envs.classic_control.cartpole import CartPoleEnv


def _take(markers, kind):
    try:
        os.close(os.open(os.path.join(markers, kind), os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        return True
    except FileExistsError:
        return False


class FaultyCartPole(CartPoleEnv):
    def __init__(self, faults="", markers="/tmp", every=40, only_in="", **kwargs):
        super().__init__(**kwargs)
        self.faults = [kind for kind in str(faults).split(",") if kind]
        if only_in:
            with open(f"/proc/{os.getppid()}/cmdline", "rb") as parent:
                if str(only_in).encode() not in parent.read().split(b"\0"):
                    self.faults = []
        if "make" in self.faults:
            raise RuntimeError("the environment cannot be made here, on purpose")
        self.markers = str(markers)
        self.every = int(every)
        self.steps = 0
        self.resets = 0

    def _due(self, kind):
        if kind not in self.faults:
            return False
        position = self.faults.index(kind)
        return self.steps >= self.every * (position + 1) and _take(self.markers, kind)

    def reset(self, *, seed=None, options=None):
        self.resets += 1
        if self.resets > 1 and self._due("reset"):
            raise RuntimeError("reset fails on purpose")
        return super().reset(seed=seed, options=options)

    def step(self, action):
        self.steps += 1
        observation, reward, terminated, truncated, info = super().step(action)
        if self._due("raise"):
            raise RuntimeError("step fails on purpose")
        if self._due("nan"):
            observation = np.full_like(observation, np.nan)
        if self._due("shape"):
            observation = np.zeros(7, dtype=np.float32)
        if self._due("die"):
            os._exit(3)
        if self._due("hang"):
            time.sleep(3600)
        return observation, reward, terminated, truncated, info


class Boxes(gym.Env):
    observation_space = gym.spaces.Tuple((gym.spaces.Discrete(3), gym.spaces.Discrete(2)))
    action_space = gym.spaces.Discrete(2)


gym.register("FaultyCartPole-v0", entry_point=FaultyCartPole, max_episode_steps=500, reward_threshold=475.0)
gym.register("Boxes-v0", entry_point=Boxes, max_episode_steps=10)
