"""`python -m nexusrl expert …`: serve a Python expert to Nexus workers; `env …`: step a
Gymnasium environment for one Nexus worker or learner (see README.md)."""
import argparse
import signal
import sys


def _expert(arguments):
    from nexusrl.expert import ActionSpace, ExpertServer
    from nexusrl.keys import CurveServerKeys
    from nexusrl.sources import ExpertSourceError, load_expert

    try:
        space = ActionSpace(arguments.action_space)
        keys = CurveServerKeys(arguments.keys) if arguments.keys else None
        expert = load_expert(arguments.expert)
    except (ValueError, ExpertSourceError) as error:
        print(f"nexusrl expert: {error}", file=sys.stderr)
        return 64
    server = ExpertServer(expert, arguments.endpoint, arguments.observation_dim, space, max_batch=arguments.max_batch, curve_keys=keys)
    stopping = []
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda signum, frame: stopping.append(signal.Signals(signum).name))
    if arguments.announce:
        server.announce(arguments.announce)
    security = f" over CurveZMQ (keys {arguments.keys})" if keys else ""
    print(f"nexusrl expert {arguments.expert} listening on {server.endpoint}{security}", file=sys.stderr, flush=True)
    server.serve(stop=lambda: bool(stopping), watch_parent=arguments.watch_parent)
    counts = ", ".join(f"{name} {value}" for name, value in sorted(server.counts.items()))
    print(f"nexusrl expert stopped ({stopping[0] if stopping else 'standard input closed'}): {counts}", file=sys.stderr, flush=True)
    server.close()
    return 0


def _check_expert(arguments):
    """Loads the expert; with --action-space, also asks it about a few states (the
    environment's first resets: made here from --env, or given as --observations) and checks
    its answer as the expert server would, so an expert that raises or answers in the wrong
    shape is refused before the run starts rather than failing every worker's query."""
    import json

    import numpy as np

    from nexusrl.expert import ActionSpace
    from nexusrl.sources import ExpertSourceError, load_expert

    try:
        expert = load_expert(arguments.expert)
    except ExpertSourceError as error:
        print(f"nexusrl check-expert: {error}", file=sys.stderr)
        return 64
    if arguments.action_space is None:
        print(f"{arguments.expert}: loads")
        return 0
    from nexusrl.environment import error_text, first_observations

    try:
        space = ActionSpace(arguments.action_space)
        if arguments.env:
            env_id, kwargs = _environment_arguments(arguments)
            observations, where = first_observations(env_id, kwargs, count=max(1, arguments.rows)), f"the first observations of {env_id}"
        else:
            observations, where = np.asarray(json.loads(arguments.observations or "[]"), dtype=np.float32), "the environment's first observations"
            if observations.ndim != 2 or len(observations) == 0:
                raise ValueError("--observations must be a non-empty JSON list of rows")
    except Exception as error:  # a bad argument, or the user's environment failing to reset
        print(f"nexusrl check-expert: {error_text(error)}", file=sys.stderr)
        return 64
    failed = f"nexusrl check-expert: {arguments.expert} failed on {len(observations)} of {where}"
    try:
        answer = expert(observations)
    except Exception as error:  # the user's expert: any failure is the check's answer
        print(f"{failed}: {error_text(error)}", file=sys.stderr)
        return 64
    try:
        space.shape_actions(answer, len(observations))
    except ValueError as error:  # the answer's shape or values: the message says which
        print(f"{failed}: {error}", file=sys.stderr)
        return 64
    print(f"{arguments.expert}: loads, and answers {len(observations)} of {where}")
    return 0


def _environment_arguments(arguments):
    import json

    from nexusrl.environment import parse_kwargs

    try:
        texts = json.loads(arguments.kwargs)
    except ValueError as error:
        raise SystemExit(f"--kwargs is not JSON: {error}")
    if not isinstance(texts, dict):
        raise SystemExit("--kwargs must be a JSON object")
    return arguments.env, parse_kwargs({str(name): str(value) for name, value in texts.items()})


def _describe_env(arguments):
    import json

    from nexusrl.environment import describe

    env_id, kwargs = _environment_arguments(arguments)
    try:
        spaces = describe(env_id, kwargs)
    except Exception as error:  # the user's environment: say why it cannot be made
        from nexusrl.environment import error_text

        print(error_text(error), file=sys.stderr)
        return 64
    print(json.dumps(spaces))
    return 0


def _env(arguments):
    from nexusrl.environment import serve

    env_id, kwargs = _environment_arguments(arguments)
    if arguments.copies < 1:
        print("nexusrl env: --copies must be at least 1", file=sys.stderr)
        return 64
    try:
        serve(env_id, kwargs, arguments.copies, arguments.connect, watch_parent=arguments.watch_parent)
    except Exception as error:  # cannot make the environment: the client reads the reason here
        from nexusrl.environment import error_text

        print(f"nexusrl env {env_id}: {error_text(error)}", file=sys.stderr, flush=True)
        return 64
    return 0


def _bench_env(arguments):
    from nexusrl.environment import bench_sync_vector

    env_id, kwargs = _environment_arguments(arguments)
    print(f"{bench_sync_vector(env_id, kwargs, arguments.copies, arguments.seconds):.6g}")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m nexusrl", description="The Python side of Nexus.")
    commands = parser.add_subparsers(dest="command", required=True)
    expert = commands.add_parser("expert", help="Serve a Python expert (MODULE:CALLABLE or sb3:PATH.zip) over Nexus's expert protocol.")
    expert.add_argument("--expert", required=True, help="MODULE:CALLABLE (a batch of observations [N, obs_dim] in, actions out) or sb3:PATH.zip")
    expert.add_argument("--endpoint", required=True, help="where to bind, e.g. tcp://*:5560 or tcp://127.0.0.1:0 (a free port)")
    expert.add_argument("--observation-dim", type=int, required=True, help="observations per state")
    expert.add_argument("--action-space", required=True, help="discrete:N or box:D")
    expert.add_argument("--max-batch", type=int, default=1024, help="most states answered in one call")
    expert.add_argument("--keys", help="serve over CurveZMQ with DIR/server.key, admitting the keys in DIR/allowed_clients (nexus keys generate)", metavar="DIR")
    expert.add_argument("--announce", help="write the bound endpoint to this JSON file once listening")
    expert.add_argument("--watch-parent", action="store_true", help="stop when standard input closes (set by nexus train)")
    check = commands.add_parser("check-expert", help="Load an expert (and with --action-space ask it about a few states) and exit 0, or say why it fails.")
    check.add_argument("--expert", required=True, help="MODULE:CALLABLE or sb3:PATH.zip")
    check.add_argument("--action-space", help="discrete:N or box:D: also ask the expert about a few states and check its answers")
    check.add_argument("--env", help="with --action-space: the Gymnasium environment whose first resets are asked about (ID or MODULE:ID)")
    check.add_argument("--kwargs", default="{}", help="keyword arguments of gymnasium.make as a JSON object of texts")
    check.add_argument("--observations", help="with --action-space and no --env: the states to ask about, a JSON list of rows")
    check.add_argument("--rows", type=int, default=4, help="with --env: how many start states to ask about in one call (at most the expert's max batch)")
    for name, text in (("env", "Step COPIES copies of a Gymnasium environment for one Nexus client (started by nexus)."),
                       ("describe-env", "Print a Gymnasium environment's spaces as JSON, or say why it cannot be made."),
                       ("bench-env", "Steps/s of Gymnasium's SyncVectorEnv with random actions in this process (nexus bench env's baseline).")):
        command = commands.add_parser(name, help=text)
        command.add_argument("--env", required=True, help="what gymnasium.make takes: ID, or MODULE:ID to import MODULE first")
        command.add_argument("--kwargs", default="{}", help="keyword arguments of gymnasium.make as a JSON object of texts")
        if name in ("env", "bench-env"):
            command.add_argument("--copies", type=int, default=1, help="copies stepped as one batch")
        if name == "bench-env":
            command.add_argument("--seconds", type=float, default=5, help="how long to measure")
        if name == "env":
            command.add_argument("--connect", required=True, help="the Unix socket the client listens on, e.g. /tmp/nexus-env-1/socket-1")
            command.add_argument("--watch-parent", action="store_true", help="stop when standard input closes")
    arguments = parser.parse_args(argv)
    if arguments.command == "env":
        return _env(arguments)
    if arguments.command == "describe-env":
        return _describe_env(arguments)
    if arguments.command == "bench-env":
        return _bench_env(arguments)
    if arguments.command == "check-expert":
        return _check_expert(arguments)
    if arguments.observation_dim < 1 or arguments.max_batch < 1:
        parser.error("--observation-dim and --max-batch must be at least 1")
    return _expert(arguments)


if __name__ == "__main__":
    sys.exit(main())
