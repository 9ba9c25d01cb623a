"""docs/BENCHMARKS.md from benchmarks/suite/results.jsonl: a pure function of the result lines."""
import random
import statistics

# imitation's published normalised scores (docs/main-concepts/benchmark_summary.md; seals v1
# environments, 10 seeds, 10M env steps for GAIL and AIRL).
IMITATION = {
    "bc": {"Ant": 0.844, "HalfCheetah": 0.923, "Hopper": 1.003, "Walker2d": 0.956},
    "dagger": {"Ant": 0.957, "HalfCheetah": 1.017, "Hopper": 1.011, "Walker2d": 1.002},
    "gail": {"Ant": 0.995, "HalfCheetah": 0.963, "Hopper": 0.935, "Walker2d": 0.959},
    "airl": {"Ant": 0.981, "HalfCheetah": 0.627, "Hopper": 0.921, "Walker2d": 0.461},
}
# imitation's experts (model cards of HumanCompatibleAI/ppo-seals-ENV-v1, 10 episodes) and
# random returns backed out of its table (benchmarks/IMITATION_REFERENCE.md).
IMITATION_EXPERT = {"Ant": 2461, "HalfCheetah": 1676, "Hopper": 203, "Walker2d": 2466}
IMITATION_RANDOM = {"Ant": -349, "HalfCheetah": -287, "Hopper": -47, "Walker2d": 2.4}
NAMES = {"bc": "BC", "dagger": "DAgger", "gail": "GAIL", "airl": "AIRL", "mega-dagger": "MEGA-DAgger"}


def family(env):
    return env.split("-")[0]


def normalised(value, baseline):
    return (value - baseline["random_return"]) / (baseline["expert_return"] - baseline["random_return"])


def spread(values):
    return statistics.stdev(values) if len(values) > 1 else 0.0


def render(rows, envs, algos, budgets, demo_episodes, bc_iterations):
    """The page; the score table counts the runs that learnt from `demo_episodes` episodes
    (algorithms without demonstrations: all), the list of runs shows every run."""
    baselines = {r["env"]: r for r in rows if r["kind"] == "baseline"}
    every_run = [r for r in rows if r["kind"] == "run"]
    runs = [r for r in every_run if r["demo_episodes"] in (0, demo_episodes)]
    demos = {r["env"]: r["episodes"] for r in rows if r["kind"] == "demos"}
    out = []
    say = out.append
    say("# Benchmarks: imitation's MuJoCo table on Nexus's own experts")
    say("")
    say("Written by `benchmarks/suite/run` from `benchmarks/suite/results.jsonl` (one line per finished piece;")
    say("run the command again to add seeds or environments, `--render` to rewrite this page only).")
    say("Learning curves of every run: `docs/benchmarks-report.html` (`nexus report`).")
    say("")
    episodes = sorted({r["episodes"] for r in runs}) or [50]
    say("Each cell: the final policy of each seed, evaluated over %s deterministic episodes, as a normalised" % "/".join(map(str, episodes)))
    say("score (R − R_random) / (R_expert − R_random) with this page's expert and random returns; mean ± standard")
    say("deviation over the seeds, then imitation's published score. ✓: at or above imitation's.")
    say("Budgets: DAgger and MEGA-DAgger %s env steps, GAIL and AIRL %s (imitation: 60k–100k and 10M); BC and the" % (
        f"{budgets['dagger']:,}", f"{budgets['gail']:,}"))
    say("adversarial algorithms learn from the same demonstration file of each expert (%d episodes in the scores);" % demo_episodes)
    say("BC trains %s steps of 128 rows (`bc.iterations=%d`); the others run on 2 workers. Every run evaluates 5" % (
        f"{bc_iterations * 300:,}", bc_iterations))
    say("episodes every few updates for its curve and trains to its budget; BC and DAgger publish the average of their")
    say("policy's iterates (`policy.weight_average=0.999`; `nexus train`'s default is the last iterate, 0, for the reason")
    say("in `docs/ALGORITHMS.md`, DAgger); everything else is `nexus train`'s defaults.")
    say_averaging(runs + [r for r in rows if r["kind"] == "race"], say)
    say("")
    say("## Normalised scores")
    say("")
    present = [e for e in envs if e in baselines]
    say("| | " + " | ".join(present) + " |")
    say("|---|" + "---|" * len(present))
    for algo in algos:
        cells = []
        for env in present:
            scores = [normalised(r["return_mean"], baselines[env]) for r in runs if r["env"] == env and r["algo"] == algo]
            theirs = IMITATION.get(algo, {}).get(family(env))
            if not scores:
                cells.append("not run" + (f" · imitation {theirs:.3f}" if theirs is not None else ""))
                continue
            mean = statistics.fmean(scores)
            cell = f"{mean:.3f} ± {spread(scores):.3f} (n={len(scores)})"
            if theirs is not None:
                cell += f" · imitation {theirs:.3f}" + (" ✓" if mean >= theirs else " ✗")
            cells.append(cell)
        say(f"| {NAMES[algo]} | " + " | ".join(cells) + " |")
    # A ✗ against a published cell above 1.0 asks an imitator to beat its expert; where this page's
    # expert barely varies that is out of a faithful imitator's reach, and the page says so.
    for env in present:
        b = baselines[env]
        above = ", ".join(f"{NAMES[a]} {IMITATION[a][family(env)]:.3f}" for a in IMITATION if IMITATION[a].get(family(env), 0) > 1)
        if not above or b.get("expert_return_std", 1e9) >= 0.01 * abs(b["expert_return"]):
            continue
        say("")
        say(f"{env}: imitation's cells above 1.0 ({above}) mean an imitator scoring more than its own expert. imitation's")
        say(f"R_expert is the mean return of the demonstrations it used; this page's expert, evaluated deterministically, returns")
        say(f"{b['expert_return']:,.1f} ± {b['expert_return_std']:.1f} over {b['episodes']} episodes: a policy that acts as it does scores 1.0, and only one that outdoes it scores more.")
    say_own_rollouts(runs, present, baselines, say)
    missing = [e for e in envs if e not in baselines]
    if missing:
        say("")
        say("Not measured yet (no expert baseline in the results; rows set aside are in "
            "`benchmarks/suite/superseded.jsonl` with the reason): " + ", ".join(missing) + ".")
    say("")
    say_race(rows, envs, say)
    say("## Experts and random policies")
    say("")
    say("| environment | env_kwargs | expert | random | demonstrations | imitation's expert | imitation's random (estimate) |")
    say("|---|---|---|---|---|---|---|")
    for env in present:
        b = baselines[env]
        kwargs = ", ".join(f"{k}={v}" for k, v in b.get("env_kwargs", {}).items()) or "v5 defaults"
        f = family(env)
        say(f"| {env} | {kwargs} | {b['expert_return']:.1f} ± {b['expert_return_std']:.1f} ({b['episodes']} episodes) | {b['random_return']:.1f} | "
            f"{demos.get(env, '—')} episodes | {IMITATION_EXPERT.get(f, '—')} | {IMITATION_RANDOM.get(f, '—')} |")
    say("")
    say("## Every run")
    say("")
    say("| environment | algorithm | seed | demonstration episodes | return | normalised | env steps | expert queries | unsafe events | wall time (s) | date |")
    say("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in sorted(every_run, key=lambda r: (r["env"], algos.index(r["algo"]) if r["algo"] in algos else 99, r["seed"])):
        b = baselines.get(r["env"])
        score = f"{normalised(r['return_mean'], b):.3f}" if b else "—"
        say(f"| {r['env']} | {NAMES.get(r['algo'], r['algo'])} | {r['seed']} | {r['demo_episodes'] or '—'} | {r['return_mean']:.1f} ± {r['return_std']:.1f} | {score} | "
            f"{r['env_steps']:,} | {r['expert_queries']:,} | {r['unsafe_events']} | {r['wall_seconds']:.0f} | {r['date']} |")
    say("")
    say("## How the environments differ from imitation's")
    say("")
    say("imitation runs seals' v1 environments: Gymnasium's v4 classes with the x position observed and, for Ant,")
    say("Hopper and Walker2d, no early termination (every episode lasts 1,000 steps). Here Gymnasium's v5 defaults")
    say("hold (episodes end when the robot falls; positions not observed), except that Ant does not observe its")
    say("contact forces (`include_cfrc_ext_in_observation=false`, as seals' Ant and the zoo's Ant-v3 did not).")
    say("Returns are therefore not comparable across the two; normalised scores are the comparison, each against")
    say("its own expert: Nexus's experts score far above imitation's (its Hopper expert scores about 204).")
    say("imitation's R_expert is the mean return of the demonstrations it used (for DAgger, of DAgger's own rollouts,")
    say("which mix the expert's and the learner's actions); here it is the expert's own 50-episode return for every")
    say("algorithm, the stricter of the two. Details and sources: `benchmarks/IMITATION_REFERENCE.md`.")
    say("")
    say("Speed of the GAIL loop against imitation's with the same settings and demonstrations: `nexus bench")
    say("gail-throughput` (README, Benchmarks).")
    say("")
    return "\n".join(out)


def say_averaging(rows, say):
    """Which policy the supervised learners' rows published: the average of the iterates
    (`policy.weight_average`) or, in rows from before that key, the last iterate (0)."""
    parts = []
    for kind, label in (("run", "table"), ("race", "race")):
        found = []
        for algo in ("bc", "dagger", "mega-dagger"):
            values = sorted({r.get("weight_average", 0.0) for r in rows if r["kind"] == kind and r["algo"] == algo})
            if values:
                found.append(f"{NAMES[algo]} " + " and ".join(f"{v:g}" for v in values))
        if found:
            parts.append(f"{label}: " + ", ".join(found))
    if parts:
        say("`policy.weight_average` of the supervised learners' rows (0: the last iterate, as every row written before")
        say("the key existed): " + "; ".join(parts) + ".")


def say_own_rollouts(runs, envs, baselines, say):
    """DAgger's cells as imitation computes them: R_expert is the mean return of DAgger's own
    training rollouts (`train_imitation.py` normalises by `_all_demos`), not the expert's."""
    cells = []
    for env in envs:
        rows = [r for r in runs if r["env"] == env and r["algo"] == "dagger" and "training_return_mean" in r]
        if not rows:
            continue
        b = baselines[env]
        scores = [normalised(r["return_mean"], {"random_return": b["random_return"], "expert_return": r["training_return_mean"]}) for r in rows]
        own = statistics.fmean(r["training_return_mean"] for r in rows)
        theirs = IMITATION["dagger"][family(env)]
        mean = statistics.fmean(scores)
        cells.append(f"{env} {mean:.3f} ± {spread(scores):.3f} (its rollouts' mean return {own:,.0f}) · imitation {theirs:.3f}" + (" ✓" if mean >= theirs else " ✗"))
    if not cells:
        return
    say("")
    say("DAgger by imitation's own definition (R_expert: the mean return of every episode of DAgger's training")
    say("rollouts, where expert and learner both act and an early policy falls; the cells above use the expert's own")
    say("return, the stricter): " + "; ".join(cells) + ".")


def median_ratio_interval(pairs, draws=2000, coverage=0.9):
    """A bootstrap interval of median(b) / median(a) over `pairs` (a, b) of one seed each:
    the seeds are resampled together, as both algorithms ran on the same seeds. Seeded, so the
    page is a function of its rows; how far a ratio of 10–20 seeds can be trusted."""
    draw = random.Random(0)
    ratios = []
    for _ in range(draws):
        sample = [pairs[draw.randrange(len(pairs))] for _ in pairs]
        below = statistics.median(a for a, _ in sample)
        ratios.append(statistics.median(b for _, b in sample) / below if below else float("inf"))
    ratios.sort()
    tail = (1 - coverage) / 2
    return ratios[int(tail * draws)], ratios[min(draws - 1, int((1 - tail) * draws))]


def race_protocol(row):
    """A race row's (level, evaluated every this many iterations): only rows of one protocol are
    compared (rows from before `eval_every` was kept were evaluated every 5)."""
    return row["level"], row.get("eval_every", 5)


def say_race(rows, envs, say):
    """MEGA-DAgger against DAgger to a normalised level (`benchmarks/suite/run --race`): per
    environment the medians over seeds (a seed that missed counts with all it spent) and the
    issue's bars: queries ≤ 0.5× DAgger's, unsafe events ≤ DAgger's, training time ≤ 2×."""
    races = [r for r in rows if r["kind"] == "race"]
    if not races:
        return
    level, every = race_protocol(races[-1])
    races = [r for r in races if race_protocol(r) == (level, every)]
    say(f"## MEGA-DAgger against DAgger, to {level} normalised")
    say("")
    say("`benchmarks/suite/run --race`: each seed runs DAgger, then MEGA-DAgger, through the cluster (2 workers, the")
    say("expert above) until a 5-episode evaluation, %s, reaches the level (at most the DAgger budget)." % (
        "after every iteration" if every == 1 else f"every {every} iterations"))
    say("Medians over the seeds (a seed that did not get there counts with everything it spent); training time is")
    say("the learner's clock to the target less the evaluations' time. Bars (issue 23): queries ≤ 0.5× DAgger's,")
    say("unsafe events ≤ DAgger's, time ≤ 2×. Unsafe events are entries into the robot's unsafe region")
    say("(`MuJoCoUnsafeRegions`): for Hopper, Walker2d and Ant the states v5 ends an episode in as unhealthy (a fall),")
    say("for HalfCheetah, which never ends one, a flip (pitch past ±1 rad). In brackets under the queries: a 90 %")
    say("bootstrap interval of their ratio (the seeds resampled, both algorithms' together): where it straddles")
    say("0.5, the verdict is the seeds' luck as much as the algorithms'.")
    say("")
    say("| environment (target) | seeds reaching it, DAgger / MEGA | expert queries, DAgger / MEGA | unsafe events, median (sum) | env steps | training time (s) | bars |")
    say("|---|---|---|---|---|---|---|")
    for env in envs:
        mine = {algo: [r for r in races if r["env"] == env and r["algo"] == algo] for algo in ("dagger", "mega-dagger")}
        if not mine["dagger"] or not mine["mega-dagger"]:
            continue
        med = {algo: {key: statistics.median(r[key] for r in mine[algo]) for key in ("expert_queries", "unsafe_events", "env_steps", "training_seconds")}
               for algo in mine}
        total = {algo: sum(r["unsafe_events"] for r in mine[algo]) for algo in mine}
        reached = {algo: sum(1 for r in mine[algo] if r["reached"]) for algo in mine}
        d, m = med["dagger"], med["mega-dagger"]
        ratio = lambda key: m[key] / d[key] if d[key] else float("inf")
        bars = [("reached", reached["dagger"] == len(mine["dagger"]) and reached["mega-dagger"] == len(mine["mega-dagger"])),
                ("queries", ratio("expert_queries") <= 0.5), ("unsafe", m["unsafe_events"] <= d["unsafe_events"]),
                ("time", ratio("training_seconds") <= 2)]
        verdict = "✓" if all(ok for _, ok in bars) else " ".join(f"{name} ✗" for name, ok in bars if not ok)
        by_seed = {algo: {r["seed"]: r["expert_queries"] for r in mine[algo]} for algo in mine}
        paired = [(by_seed["dagger"][seed], by_seed["mega-dagger"][seed]) for seed in sorted(by_seed["dagger"]) if seed in by_seed["mega-dagger"]]
        low, high = median_ratio_interval(paired) if len(paired) > 1 else (ratio("expert_queries"),) * 2
        say(f"| {env} ({mine['dagger'][0]['target']:,.0f}) | {reached['dagger']}/{len(mine['dagger'])} · {reached['mega-dagger']}/{len(mine['mega-dagger'])} | "
            f"{d['expert_queries']:,.0f} / {m['expert_queries']:,.0f} ({ratio('expert_queries'):.2f}×; {low:.2f}–{high:.2f}) | "
            f"{d['unsafe_events']:g} ({total['dagger']}) / {m['unsafe_events']:g} ({total['mega-dagger']}) | "
            f"{d['env_steps']:,.0f} / {m['env_steps']:,.0f} | {d['training_seconds']:.1f} / {m['training_seconds']:.1f} ({ratio('training_seconds'):.2f}×) | {verdict} |")
    say("")
