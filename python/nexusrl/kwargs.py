"""Keyword arguments of `gymnasium.make` as Nexus carries them: text, from `--env-kwarg KEY=VALUE`,
a run's `env_kwargs` or a demonstration file's header."""
import ast
import json


def value_from_text(text):
    """The value `gymnasium.make` gets for one argument's text: JSON where it parses (numbers,
    true/false, null, lists, objects), else a Python literal (`False`, `None`, `(1, 2)`: what a
    Gymnasium user writes), else the text itself. A `False` left as text would be a truthy string."""
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text
