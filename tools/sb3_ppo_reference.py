#!/usr/bin/env python3
"""Stable-Baselines3 PPO on CartPole-v1 with rl-baselines3-zoo's tuned settings, as the
baseline of `nexus bench ppo --reference-python PYTHON`.

Same protocol as Nexus: after every update, 20 deterministic evaluation episodes; the run
stops when their mean return reaches the target. Prints one JSON object: env steps and
seconds of training (evaluation time excluded, which favours SB3) to the target.

Setup (not part of CI): python3 -m venv /tmp/sb3env && /tmp/sb3env/bin/pip install stable-baselines3 gymnasium
"""
import argparse
import json
import time

import gymnasium as gym
import numpy as np
from stable_baselines3 import PPO
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.env_util import make_vec_env


def linear(initial):
    return lambda progress_remaining: progress_remaining * initial


class EvaluateAfterEachUpdate(BaseCallback):
    """Before each rollout (that is, after the previous update): evaluate, stop at the target."""

    def __init__(self, target, episodes, seed):
        super().__init__()
        self.target, self.episodes, self.seed = target, episodes, seed
        self.env = gym.make("CartPole-v1")
        self.training_seconds = 0.0
        self.started = None
        self.result = None

    def _on_training_start(self):
        self.started = time.perf_counter()

    def _on_rollout_start(self):
        if self.num_timesteps == 0 or self.result is not None:
            return
        self.training_seconds += time.perf_counter() - self.started
        returns = []
        for episode in range(self.episodes):
            observation, _ = self.env.reset(seed=self.seed * 1000 + episode)
            total, done = 0.0, False
            while not done:
                action, _ = self.model.predict(observation, deterministic=True)
                observation, reward, terminated, truncated, _ = self.env.step(int(action))
                total += reward
                done = terminated or truncated
            returns.append(total)
        if np.mean(returns) >= self.target:
            self.result = {"env_steps_to_target": self.num_timesteps, "seconds_to_target": self.training_seconds, "eval_return_mean": float(np.mean(returns))}
        self.started = time.perf_counter()

    def _on_step(self):
        return self.result is None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--target", type=float, default=475)
    parser.add_argument("--max-steps", type=int, default=100_000)
    arguments = parser.parse_args()
    env = make_vec_env("CartPole-v1", n_envs=8, seed=arguments.seed)
    model = PPO("MlpPolicy", env, n_steps=32, batch_size=256, gae_lambda=0.8, gamma=0.98, n_epochs=20, ent_coef=0.0,
                learning_rate=linear(1e-3), clip_range=linear(0.2), seed=arguments.seed, device="cpu", verbose=0)
    callback = EvaluateAfterEachUpdate(arguments.target, 20, arguments.seed)
    model.learn(total_timesteps=arguments.max_steps, callback=callback)
    if callback.result is None:
        raise SystemExit(f"did not reach {arguments.target} in {arguments.max_steps} steps")
    print(json.dumps(callback.result))


if __name__ == "__main__":
    main()
