#!/usr/bin/env python3
"""Reference traces from Gymnasium, for the tests that replay them in Swift.

Run by hand, once (not by CI):  pip install gymnasium && python3 tools/gymnasium_fixtures.py
(`--arguments-only` records just the traces with keyword arguments.)
Writes Tests/NexusEnvironmentsTests/Fixtures/<env id>.csv with one row per step:

    episode, step, state (Gymnasium's env.unwrapped.state before the step, ';'-separated),
    action (';'-separated), observation after the step (';'-separated), reward, terminated, truncated

Every number is a hexadecimal float (float.hex), so the Swift side compares bit for bit:
observations are Gymnasium's float32 values, rewards its float64 ones.
"""
import os
import sys

import gymnasium as gym
import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "NexusEnvironmentsTests", "Fixtures")


def hexes(values):
    return ";".join(float(v).hex() for v in np.atleast_1d(np.asarray(values, dtype=np.float64)))


def record(env_id, episodes, choose_action, seed=0, **kwargs):
    env = gym.make(env_id, **kwargs)
    rows = []
    for episode in range(episodes):
        env.reset(seed=seed + episode)
        rng = np.random.default_rng(seed + 1000 + episode)
        step = 0
        while True:
            state = np.array(env.unwrapped.state, dtype=np.float64).copy()
            action = choose_action(env, rng, episode, step, state)
            observation, reward, terminated, truncated, _ = env.step(action)
            rows.append(",".join([
                str(episode), str(step), hexes(state), hexes(action), hexes(observation),
                float(reward).hex(), str(int(terminated)), str(int(truncated)),
            ]))
            step += 1
            if terminated or truncated:
                break
    # With keyword arguments: "Pendulum-v1@g=12.csv" (what `--env-kwarg g=12` replays).
    suffix = "".join(f"@{key}={value}" for key, value in sorted(kwargs.items()))
    path = os.path.join(OUT, f"{env_id}{suffix}.csv")
    with open(path, "w") as handle:
        handle.write("episode,step,state,action,observation,reward,terminated,truncated\n")
        handle.write("\n".join(rows) + "\n")
    print(f"{env_id}: {episodes} episodes, {len(rows)} steps -> {path}")


def cartpole_action(env, rng, episode, step, state):
    # Episode 0 balances to the time limit (truncation); the others push at random until the
    # pole or the cart leaves its bounds (termination on each bound shows up among them).
    x, x_dot, theta, theta_dot = state
    if episode == 0:
        return int(theta + 0.5 * theta_dot + 0.01 * x + 0.1 * x_dot > 0)
    if episode in (1, 2):
        # Keeps the pole up while the cart runs away: ends on the cart bound (±2.4).
        drift = 0.1 if episode == 1 else -0.1
        return int(theta + 0.5 * theta_dot + drift > 0)
    bias = [0.5, 0.9, 0.1, 0.5][episode % 4]
    return int(rng.random() < bias)


def pendulum_action(env, rng, episode, step, state):
    # Torques beyond ±2 exercise the clipping; speeds hit the ±8 clip when pushed one way.
    if episode % 2 == 0:
        return np.array([rng.uniform(-3.0, 3.0)], dtype=np.float32)
    return np.array([2.5 if step < 120 else -2.5], dtype=np.float32)


def mountain_car_action(env, rng, episode, step, state):
    # Episode 0 pumps energy and reaches the goal (termination); episode 1 drives into the
    # left wall first; episode 2 acts at random until the time limit.
    position, velocity = state
    if episode == 0:
        return 2 if velocity >= 0 else 0
    if episode == 1:
        return 0 if step < 60 else (2 if velocity >= 0 else 0)
    return int(rng.integers(0, 3))


def continuous_mountain_car_action(env, rng, episode, step, state):
    # Episode 0 pumps energy with actions beyond ±1 (clipping) and reaches the goal; episode
    # 1 drives into the left wall first; episode 2 acts at random until the time limit.
    position, velocity = state
    if episode == 0:
        return np.array([1.5 if velocity >= 0 else -1.5], dtype=np.float32)
    if episode == 1:
        push = -1.0 if step < 60 else (0.8 if velocity >= 0 else -0.8)
        return np.array([push], dtype=np.float32)
    return np.array([rng.uniform(-1.3, 1.3)], dtype=np.float32)


def acrobot_action(env, rng, episode, step, state):
    # Episodes 0 and 1 pump energy (torque with the second link's swing, or against the
    # first's) and get the tip above the bar (termination); episode 2 acts at random;
    # episode 3 applies no torque and reaches the time limit.
    if episode == 0:
        return 2 if state[3] > 0 else 0
    if episode == 1:
        return 0 if state[2] > 0 else 2
    if episode == 3:
        return 1  # no torque: hangs until the time limit
    return int(rng.integers(0, 3))


def record_with_arguments():
    """Gymnasium's keyword arguments (`env_kwargs`): changed gravity, a goal speed, the
    original CartPole reward."""
    record("Pendulum-v1", 4, pendulum_action, g=12.0)
    record("MountainCarContinuous-v0", 3, continuous_mountain_car_action, goal_velocity=0.02)
    record("CartPole-v1", 14, cartpole_action, sutton_barto_reward=True)


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    print("gymnasium", gym.__version__, "numpy", np.__version__, file=sys.stderr)
    if sys.argv[1:] == ["--arguments-only"]:
        # Added later, recorded on their own: the original traces stay as they were.
        record_with_arguments()
        sys.exit(0)
    record_with_arguments()
    record("CartPole-v1", 14, cartpole_action)
    record("Pendulum-v1", 4, pendulum_action)
    record("MountainCar-v0", 3, mountain_car_action)
    record("MountainCarContinuous-v0", 3, continuous_mountain_car_action)
    record("Acrobot-v1", 4, acrobot_action)
