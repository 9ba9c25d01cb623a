#!/usr/bin/env python3
"""The reference library's GAIL loop speed on this machine, as the baseline of
`nexus bench imitation`. Prints one JSON object: env steps, seconds and env steps/s of
`gail.train` (rollouts, discriminator and PPO updates).

CartPole-v1 (default): imitation's GAIL with its tutorial settings (PPO batch 64, lr 4e-4,
γ 0.95, 5 epochs; 8 envs; demo batch 1024, replay 512, 8 discriminator updates per round;
BasicRewardNet with RunningNorm), from 20 episodes of the same linear-rule expert Nexus uses.

--env HalfCheetah-v4 --demos FILE.nxdemo: imitation's tuned GAIL of its seals HalfCheetah
benchmark (benchmarks/IMITATION_REFERENCE.md: 8 envs in subprocesses, 4,096 env steps a round,
8 discriminator updates of 8,192, FeedForward32Policy with a RunningNorm extractor, PPO lr
2.625e-4, γ 0.95, clip 0.1, 5 epochs, minibatch 64) from a Nexus demonstration file (the same
expert's data; read with nexusrl: PYTHONPATH=python).

Setup (not part of CI): python3 -m venv /tmp/imenv && /tmp/imenv/bin/pip install imitation
(HalfCheetah: and "mujoco<3.2" imageio)
"""
import argparse
import json
import os
import time

import gymnasium as gym
import numpy as np
from imitation.algorithms.adversarial.gail import GAIL
from imitation.data import rollout
from imitation.data.types import Trajectory
from imitation.rewards.reward_nets import BasicRewardNet
from imitation.util.networks import RunningNorm
from stable_baselines3 import PPO
from stable_baselines3.common.vec_env import DummyVecEnv


def expert_action(observation):
    x, x_dot, theta, theta_dot = observation
    return int(theta + 0.5 * theta_dot + 0.01 * x + 0.1 * x_dot > 0)


def demonstrations(episodes, seed):
    env = gym.make("CartPole-v1")
    trajectories = []
    for episode in range(episodes):
        observation, _ = env.reset(seed=seed + episode)
        observations, actions = [observation], []
        while True:
            action = expert_action(observation)
            observation, _, terminated, truncated, _ = env.step(action)
            observations.append(observation)
            actions.append(action)
            if terminated or truncated:
                break
        trajectories.append(Trajectory(obs=np.array(observations), acts=np.array(actions), infos=None, terminal=terminated))
    return trajectories


def nexus_demonstrations(path):
    import nexusrl

    trajectories = []
    for episode in nexusrl.read_demonstrations(path).episodes:
        observations = np.concatenate([np.asarray(episode.observations, dtype=np.float32), np.asarray([episode.final_observation], dtype=np.float32)])
        trajectories.append(Trajectory(obs=observations, acts=np.asarray(episode.actions, dtype=np.float32), infos=None, terminal=bool(episode.terminated)))
    return trajectories


def half_cheetah(arguments):
    from imitation.policies.base import FeedForward32Policy, NormalizeFeaturesExtractor
    from stable_baselines3.common.vec_env import SubprocVecEnv

    venv = SubprocVecEnv([lambda: gym.make(arguments.env) for _ in range(8)], start_method="forkserver")
    venv.seed(arguments.seed)
    learner = PPO(
        FeedForward32Policy, venv, n_steps=512, batch_size=64, n_epochs=5, learning_rate=2.6250519057717037e-4, gamma=0.95,
        gae_lambda=0.95, clip_range=0.1, ent_coef=3.992371122209408e-6, vf_coef=0.11483689492120866, max_grad_norm=0.8,
        policy_kwargs=dict(features_extractor_class=NormalizeFeaturesExtractor, features_extractor_kwargs=dict(normalize_class=RunningNorm)),
        seed=arguments.seed, device="cpu")
    reward_net = BasicRewardNet(venv.observation_space, venv.action_space, normalize_input_layer=RunningNorm)
    from imitation.rewards.reward_nets import NormalizedRewardNet

    trainer = GAIL(
        demonstrations=rollout.flatten_trajectories(nexus_demonstrations(arguments.demos)), demo_batch_size=8192,
        gen_replay_buffer_capacity=512, n_disc_updates_per_round=8, venv=venv, gen_algo=learner,
        reward_net=NormalizedRewardNet(reward_net, RunningNorm), allow_variable_horizon=True)
    return trainer, venv


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--steps", type=int, default=65_536)
    parser.add_argument("--env", default="CartPole-v1", choices=["CartPole-v1", "HalfCheetah-v4"])
    parser.add_argument("--demos", help="a Nexus demonstration file (HalfCheetah)")
    arguments = parser.parse_args()
    if arguments.env != "CartPole-v1":
        if not arguments.demos:
            parser.error(f"--env {arguments.env} needs --demos FILE.nxdemo")
        trainer, venv = half_cheetah(arguments)
        started = time.perf_counter()
        trainer.train(arguments.steps)
        seconds = time.perf_counter() - started
        print(json.dumps({"env": arguments.env, "env_steps": arguments.steps, "seconds": seconds, "env_steps_per_second": arguments.steps / seconds}), flush=True)
        # SubprocVecEnv.close() waited forever on the forkserver's exit reports when stdin was
        # not a terminal; the figure is out, so leave without it (the workers see their pipes close).
        os._exit(0)
    venv = DummyVecEnv([lambda: gym.make("CartPole-v1") for _ in range(8)])
    venv.seed(arguments.seed)
    learner = PPO("MlpPolicy", venv, batch_size=64, ent_coef=0.0, learning_rate=4e-4, gamma=0.95, n_epochs=5, seed=arguments.seed, device="cpu")
    reward_net = BasicRewardNet(venv.observation_space, venv.action_space, normalize_input_layer=RunningNorm)
    trainer = GAIL(
        demonstrations=rollout.flatten_trajectories(demonstrations(20, arguments.seed)), demo_batch_size=1024,
        gen_replay_buffer_capacity=512, n_disc_updates_per_round=8, venv=venv, gen_algo=learner, reward_net=reward_net,
        allow_variable_horizon=True)
    started = time.perf_counter()
    trainer.train(arguments.steps)
    seconds = time.perf_counter() - started
    print(json.dumps({"env_steps": arguments.steps, "seconds": seconds, "env_steps_per_second": arguments.steps / seconds}))


if __name__ == "__main__":
    main()
