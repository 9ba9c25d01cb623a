"""A Python expert for MountainCarContinuous-v0 (observations [position, velocity]) that answers
one value a row, shape [N] rather than [N, 1]: push the way the car moves (it pumps energy
into the swing and reaches the flag)."""
import numpy as np


def push(observations):
    return np.where(observations[:, 1] >= 0, 1.0, -1.0)
