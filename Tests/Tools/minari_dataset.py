"""Minari datasets for the import/export tests, made and read with the `minari` package.

make ROOT DATASET_ID EPISODES [--bad-action]: CartPole-v1 episodes (Gymnasium's own
  environment, seeds 0..EPISODES-1) of a hand-written controller that keeps the pole up (push
  toward where the pole is falling), written by minari.create_dataset_from_buffers under
  MINARI_DATASETS_PATH=ROOT. --bad-action puts an action of 5 into episode 1.
check ROOT DATASET_ID: loads the dataset with minari.load_dataset and prints its episodes,
  steps and each episode's return, one per line; then rebuilds its environment with
  recover_environment(), steps it once and prints its spec.
"""
import os
import sys

import gymnasium as gym
import numpy as np


def controller(observation):
    _, _, angle, angular_velocity = observation
    return int(angle + 0.5 * angular_velocity > 0)


def make(root, dataset_id, episodes, bad_action):
    os.environ["MINARI_DATASETS_PATH"] = root
    import minari
    from minari.data_collector import EpisodeBuffer

    env = gym.make("CartPole-v1")
    buffers = []
    for seed in range(episodes):
        observation, _ = env.reset(seed=seed)
        observations, actions, rewards, terminations, truncations = [observation], [], [], [], []
        while True:
            action = controller(observation)
            observation, reward, terminated, truncated, _ = env.step(action)
            observations.append(observation)
            actions.append(action)
            rewards.append(reward)
            terminations.append(terminated)
            truncations.append(truncated)
            if terminated or truncated:
                break
        if bad_action and seed == 1:
            actions[3] = 5
        buffers.append(EpisodeBuffer(
            seed=seed, observations=np.array(observations), actions=np.array(actions), rewards=np.array(rewards),
            terminations=np.array(terminations), truncations=np.array(truncations)))
    dataset = minari.create_dataset_from_buffers(
        dataset_id=dataset_id, buffer=buffers, env=env, algorithm_name="pole-angle controller",
        author="Nexus tests", author_email="tests@nexus.invalid", code_permalink="https://nexus.invalid/tests",
        description="CartPole-v1 episodes of a hand-written controller")
    print(f"{dataset.total_episodes} episodes, {dataset.total_steps} steps")


def check(root, dataset_id):
    os.environ["MINARI_DATASETS_PATH"] = root
    import minari

    dataset = minari.load_dataset(dataset_id)
    print(f"{dataset.total_episodes} episodes, {dataset.total_steps} steps")
    for episode in dataset.iterate_episodes():
        print(f"episode {episode.id}: {len(episode.actions)} steps, return {float(np.sum(episode.rewards))}, "
              f"observations {episode.observations.shape}, terminated {bool(episode.terminations[-1])}, truncated {bool(episode.truncations[-1])}")
    env = dataset.recover_environment()
    env.reset(seed=0)
    env.step(env.action_space.sample())
    kwargs = ", ".join(f"{name}={value!r}" for name, value in sorted(env.spec.kwargs.items()))
    print(f"recovered {env.spec.id} ({kwargs}) max_episode_steps {env.spec.max_episode_steps}")


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "make":
        make(sys.argv[2], sys.argv[3], int(sys.argv[4]), "--bad-action" in sys.argv)
    elif command == "check":
        check(sys.argv[2], sys.argv[3])
    else:
        sys.exit(f"unknown command {command}")
