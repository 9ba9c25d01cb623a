"""Where a Python expert comes from: `MODULE:CALLABLE` (a function, or a class/factory
called once with no arguments when it is not itself the expert: see `load_expert`), or
`sb3:PATH.zip` (a Stable-Baselines3 model, any algorithm, acting deterministically)."""
import importlib
import inspect


class ExpertSourceError(ValueError):
    pass


def load_expert(spec):
    if spec.startswith("sb3:"):
        return _stable_baselines3(spec[len("sb3:"):])
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise ExpertSourceError(f'expert "{spec}" is not MODULE:CALLABLE or sb3:PATH.zip')
    try:
        module = importlib.import_module(module_name)
    except Exception as error:
        raise ExpertSourceError(f"cannot import {module_name} for expert {spec}: {type(error).__name__}: {error}") from error
    target = module
    for name in attribute.split("."):
        if not hasattr(target, name):
            raise ExpertSourceError(f"{module_name} has no {attribute} (expert {spec})")
        target = getattr(target, name)
    if inspect.isclass(target):
        target = target()
    if not callable(target):
        raise ExpertSourceError(f"{spec} is not callable")
    return target


def _stable_baselines3(path):
    try:
        import stable_baselines3
        from stable_baselines3.common.base_class import BaseAlgorithm
    except ImportError as error:
        raise ExpertSourceError(f"sb3:{path} needs stable-baselines3 (pip install stable-baselines3): {error}") from error
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            archive.read("data")
    except (OSError, KeyError, zipfile.BadZipFile) as error:
        raise ExpertSourceError(f"sb3:{path} is not a Stable-Baselines3 model file: {error}") from error
    errors = []
    for name in ("PPO", "SAC", "TD3", "A2C", "DQN", "DDPG"):
        algorithm = getattr(stable_baselines3, name, None)
        if algorithm is None:
            continue
        try:
            model = algorithm.load(path, device="cpu")
            break
        except Exception as error:  # wrong algorithm for this file: try the next
            errors.append(f"{name}: {type(error).__name__}")
    else:
        raise ExpertSourceError(f"sb3:{path} loads as none of SB3's algorithms ({', '.join(errors)})")
    assert isinstance(model, BaseAlgorithm)

    def act(observations):
        actions, _ = model.predict(observations, deterministic=True)
        return actions

    return act
