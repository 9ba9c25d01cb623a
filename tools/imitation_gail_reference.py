#!/usr/bin/env python3
"""The reference library's GAIL loop speed on this machine, as the baseline of
`nexus bench imitation`: imitation's GAIL with its tutorial settings (PPO batch 64, lr 4e-4,
γ 0.95, 5 epochs; 8 envs; demo batch 1024, replay 512, 8 discriminator updates per round;
BasicRewardNet with RunningNorm) on Gymnasium's CartPole-v1, from 20 episodes of the same
linear-rule expert Nexus uses. Prints one JSON object: env steps, seconds and env steps/s of
`gail.train` (rollouts, discriminator and PPO updates).

Setup (not part of CI): python3 -m venv /tmp/imenv && /tmp/imenv/bin/pip install imitation
"""
import argparse
import json
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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--steps", type=int, default=65_536)
    arguments = parser.parse_args()
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
