#!/usr/bin/env python3
"""Stable-Baselines3 PPO with rl-baselines3-zoo's settings on a Gymnasium MuJoCo environment:
the reference beside `benchmarks/experts/train`, to tell whether an expert Nexus cannot train
is the environment's version and the settings or Nexus's PPO.

    tools/sb3_zoo_mujoco.py Hopper-v5 --steps 1000000 --seed 1

Evaluates 5 deterministic episodes every 20,480 env steps (observations normalised with the
statistics of that moment, as the zoo evaluates) and at the end 20; prints one JSON line
per evaluation and a last one with the final figures. Not part of CI.
"""
import argparse
import json
import time

import gymnasium as gym
import numpy as np
import torch
from stable_baselines3 import PPO
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.vec_env import VecNormalize

# hyperparams/ppo.yml of rl-baselines3-zoo (the v3 entries; mujoco-defaults for Ant).
ZOO = {
    "Hopper": dict(n_steps=512, batch_size=32, gamma=0.999, learning_rate=9.80828e-05, ent_coef=0.00229519, clip_range=0.2,
                   n_epochs=5, gae_lambda=0.99, max_grad_norm=0.7, vf_coef=0.835671,
                   policy_kwargs=dict(log_std_init=-2, ortho_init=False, activation_fn=torch.nn.ReLU,
                                      net_arch=dict(pi=[256, 256], vf=[256, 256]))),
    "HalfCheetah": dict(n_steps=512, batch_size=64, gamma=0.98, learning_rate=2.0633e-05, ent_coef=0.000401762, clip_range=0.1,
                        n_epochs=20, gae_lambda=0.92, max_grad_norm=0.8, vf_coef=0.58096,
                        policy_kwargs=dict(log_std_init=-2, ortho_init=False, activation_fn=torch.nn.ReLU,
                                           net_arch=dict(pi=[256, 256], vf=[256, 256]))),
    "Ant": dict(),
}


def evaluate(model, normaliser, env_id, episodes, seed, kwargs):
    env = gym.make(env_id, **kwargs)
    returns = []
    for episode in range(episodes):
        observation, _ = env.reset(seed=seed * 1000 + episode)
        total, done = 0.0, False
        while not done:
            action, _ = model.predict(normaliser.normalize_obs(observation), deterministic=True)
            observation, reward, terminated, truncated, _ = env.step(action)
            total += reward
            done = terminated or truncated
        returns.append(total)
    return float(np.mean(returns))


class Evaluate(BaseCallback):
    def __init__(self, env_id, every, seed, kwargs):
        super().__init__()
        self.env_id, self.every, self.seed, self.kwargs, self.next = env_id, every, seed, kwargs, every
        self.started = time.perf_counter()

    def _on_step(self):
        if self.num_timesteps >= self.next:
            self.next += self.every
            mean = evaluate(self.model, self.model.get_env(), self.env_id, 5, self.seed, self.kwargs)
            print(json.dumps({"env_steps": self.num_timesteps, "eval_return_mean": mean,
                              "seconds": round(time.perf_counter() - self.started, 1)}), flush=True)
        return True


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("env")
    parser.add_argument("--steps", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--env-kwarg", action="append", default=[], help="KEY=VALUE (Python literal) for gym.make")
    args = parser.parse_args()
    torch.set_num_threads(1)
    kwargs = {}
    for pair in args.env_kwarg:
        key, value = pair.split("=", 1)
        kwargs[key] = eval(value, {}, {})
    settings = dict(ZOO[args.env.split("-")[0]])
    gamma = settings.get("gamma", 0.99)
    env = VecNormalize(make_vec_env(args.env, n_envs=1, seed=args.seed, env_kwargs=kwargs), gamma=gamma)
    model = PPO("MlpPolicy", env, seed=args.seed, device="cpu", verbose=0, **settings)
    started = time.perf_counter()
    model.learn(args.steps, callback=Evaluate(args.env, 20_480, args.seed, kwargs))
    seconds = time.perf_counter() - started
    env.training = False
    final = evaluate(model, env, args.env, 20, args.seed, kwargs)
    print(json.dumps({"env": args.env, "seed": args.seed, "env_steps": args.steps, "final_return_20": final,
                      "seconds": round(seconds, 1), "env_kwargs": kwargs}), flush=True)


if __name__ == "__main__":
    main()
