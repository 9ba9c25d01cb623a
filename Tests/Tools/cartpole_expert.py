"""Python experts for the tests of `--expert-python` (CartPole-v1, observations
[x, x_dot, theta, theta_dot]).

act: a linear rule, push toward where the pole is falling (reaches 500).
flaky: the same rule, but every 4th call raises and every 7th returns the wrong shape:
  each such batch gets error answers, which workers count and ask again.
broken, wide: fail every call (raise; answer [N, 3]): refused by the check before a run.
"""
import numpy as np


def act(observations):
    return (observations[:, 2] + 0.5 * observations[:, 3] > 0).astype(np.int64)


class Flaky:
    def __init__(self):
        self.calls = 0

    def __call__(self, observations):
        self.calls += 1
        if self.calls % 4 == 0:
            raise RuntimeError(f"call {self.calls} fails on purpose")
        if self.calls % 7 == 0:
            return np.zeros((len(observations), 3))
        return act(observations)


flaky = Flaky()


def broken(observations):
    raise RuntimeError("broken on purpose")


def wide(observations):
    return np.zeros((len(observations), 3))
