"""The nexusrl package against Nexus, for NexusCLITests/PythonPackageTests.

actions CHECKPOINT OBSERVATIONS OUT: nexusrl.load_policy(CHECKPOINT) on the float32 rows of
  OBSERVATIONS (raw little-endian, [N, obs_dim]); writes the actions as raw float32 to OUT.
write-demos PATH EPISODES: EPISODES CartPole-v1 episodes of Gymnasium's own environment (seeds
  0..), driven by a linear rule, written with nexusrl.write_demonstrations.
read-demos PATH: prints the file's env, episode count, steps, mean return and keyword arguments.
"""
import sys

import numpy as np

import nexusrl


def actions(checkpoint, observations, out):
    policy = nexusrl.load_policy(checkpoint)
    rows = np.fromfile(observations, dtype="<f4").reshape(-1, policy.observation_dim)
    np.asarray(policy(rows), dtype="<f4").tofile(out)
    print(f"{policy.architecture}: {len(rows)} rows")


def write_demos(path, count):
    import gymnasium as gym

    env = gym.make("CartPole-v1")
    episodes = []
    for seed in range(count):
        observation, _ = env.reset(seed=seed)
        observations, acts, rewards = [], [], []
        while True:
            action = int(observation[2] + 0.5 * observation[3] > 0)
            observations.append(observation)
            acts.append(action)
            observation, reward, terminated, truncated, _ = env.step(action)
            rewards.append(reward)
            if terminated or truncated:
                break
        episodes.append(nexusrl.Episode(observations, acts, rewards, observation, terminated))
    demos = nexusrl.Demonstrations("CartPole-v1", 4, 1, 2, episodes, expert="python-linear-rule")
    nexusrl.write_demonstrations(path, demos)
    print(f"wrote {path}: {len(episodes)} episodes, {demos.total_steps} steps")


def read_demos(path):
    demos = nexusrl.read_demonstrations(path)
    mean = np.mean([float(np.sum(e.rewards, dtype=np.float64)) for e in demos.episodes])
    kwargs = f", kwargs {demos.env_kwargs}" if demos.env_kwargs else ""
    print(f"{demos.env_id}: {len(demos.episodes)} episodes, {demos.total_steps} steps, mean return {mean:.2f}{kwargs}")


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "actions":
        actions(sys.argv[2], sys.argv[3], sys.argv[4])
    elif command == "write-demos":
        write_demos(sys.argv[2], int(sys.argv[3]))
    elif command == "read-demos":
        read_demos(sys.argv[2])
    else:
        sys.exit(f"unknown command {command}")
