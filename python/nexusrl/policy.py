"""A Nexus policy (a checkpoint's `.policy` model) as a numpy function: the same network the
workers and `nexus eval` run (`mlp A-B-…-Z tanh|relu|identity categorical|gaussian`, inputs
normalised by `policy.input_shift` / `policy.input_scale`), acting deterministically: the most
likely action index, or the Gaussian mean."""
import numpy as np

from nexusrl import wire
from nexusrl.files import read_checkpoint

POLICY_KIND = 1  # nexus.v1.ModelKind.MODEL_KIND_POLICY
_ACTIVATIONS = {"tanh": np.tanh, "relu": lambda x: np.maximum(x, 0, dtype=np.float32), "identity": lambda x: x}


class Policy:
    def __init__(self, model):
        words = model.architecture.split(" ")
        if len(words) != 4 or words[0] != "mlp" or words[2] not in _ACTIVATIONS or words[3] not in ("categorical", "gaussian"):
            raise ValueError(f'policy architecture "{model.architecture}" is not "mlp A-B-…-Z tanh|relu|identity categorical|gaussian"')
        self.sizes = [int(size) for size in words[1].split("-")]
        self.activation = words[2]
        self.head = words[3]
        parameters = {p.name: wire.to_array(p.tensor) for p in model.parameters}
        self.layers = []
        for index in range(len(self.sizes) - 1):
            weight, bias = parameters.get(f"policy.layer{index}.weight"), parameters.get(f"policy.layer{index}.bias")
            shape = (self.sizes[index + 1], self.sizes[index])
            if weight is None or bias is None or weight.shape != shape or bias.shape != (shape[0],):
                raise ValueError(f"policy layer {index} needs a weight {list(shape)} and a bias [{shape[0]}]")
            self.layers.append((weight, bias))
        self.input_shift = parameters.get("policy.input_shift", np.zeros(self.sizes[0], dtype=np.float32))
        self.input_scale = parameters.get("policy.input_scale", np.ones(self.sizes[0], dtype=np.float32))
        self.architecture = model.architecture

    @property
    def observation_dim(self):
        return self.sizes[0]

    def __call__(self, observations):
        """Actions for `[N, obs_dim]` observations (or one `[obs_dim]`): `[N]` indices for a
        categorical policy, `[N, act_dim]` means for a Gaussian one."""
        x = np.asarray(observations, dtype=np.float32)
        single = x.ndim == 1
        x = x[None, :] if single else x
        if x.ndim != 2 or x.shape[1] != self.observation_dim:
            raise ValueError(f"observations must be [N, {self.observation_dim}], got {list(np.shape(observations))}")
        x = (x - self.input_shift) * self.input_scale
        activate = _ACTIVATIONS[self.activation]
        for index, (weight, bias) in enumerate(self.layers):
            x = x @ weight.T + bias
            if index < len(self.layers) - 1:
                x = activate(x)
        actions = np.argmax(x, axis=1) if self.head == "categorical" else x
        return actions[0] if single else actions


def load_policy(path) -> Policy:
    """The policy of a Nexus checkpoint (`RUN_DIR/checkpoints/best.nxckpt`, …)."""
    checkpoint = read_checkpoint(path)
    for model in checkpoint.weights.models:
        if model.kind == POLICY_KIND:
            return Policy(model)
    raise ValueError(f"{path} holds no policy")
