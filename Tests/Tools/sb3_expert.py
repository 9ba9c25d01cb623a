"""A Stable-Baselines3 expert for the tests of `--expert-python sb3:PATH.zip`.

train PATH [SEED]: PPO on Gymnasium's CartPole-v1 with rl-baselines3-zoo's settings
  (8 envs, n_steps 32, batch 256, gae_lambda 0.8, gamma 0.98, 20 epochs, learning rate and
  clip range decaying linearly from 0.001 and 0.2, up to 1e5 steps), stopped once 10
  deterministic evaluation episodes average 475 or more; saves the model to PATH and prints
  the steps it took and its evaluation. Exits 1 if it never got there.
"""
import sys


def linear(start):
    return lambda remaining: remaining * start


def train(path, seed):
    from stable_baselines3 import PPO
    from stable_baselines3.common.callbacks import EvalCallback, StopTrainingOnRewardThreshold
    from stable_baselines3.common.env_util import make_vec_env
    from stable_baselines3.common.evaluation import evaluate_policy

    env = make_vec_env("CartPole-v1", n_envs=8, seed=seed)
    model = PPO("MlpPolicy", env, n_steps=32, batch_size=256, gae_lambda=0.8, gamma=0.98, n_epochs=20, ent_coef=0.0,
                learning_rate=linear(0.001), clip_range=linear(0.2), seed=seed, device="cpu", verbose=0)
    stop = StopTrainingOnRewardThreshold(reward_threshold=475, verbose=0)
    # eval_freq counts calls of the vector env's step: 8 envs, so every 2,048 env steps.
    # Seeded evaluation environments: when training stops, and the final check, repeat.
    check = EvalCallback(make_vec_env("CartPole-v1", n_envs=1, seed=seed + 1000), n_eval_episodes=10, eval_freq=256, deterministic=True, callback_on_new_best=stop, verbose=0)
    model.learn(total_timesteps=100_000, callback=check)
    mean, _ = evaluate_policy(model, make_vec_env("CartPole-v1", n_envs=1, seed=seed + 2000), n_eval_episodes=10, deterministic=True)
    model.save(path)
    print(f"trained {model.num_timesteps} steps, evaluation {mean:.1f}")
    return 0 if mean >= 475 else 1


if __name__ == "__main__":
    if sys.argv[1] != "train":
        sys.exit(f"unknown command {sys.argv[1]}")
    sys.exit(train(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 0))
