"""Renders ``reports/benchmark.md`` from the results of ``make bench``."""

from bot.tools.metrics import fmt, pct, ratio, table

# Issue 16's targets (ratios are measured in the same run).
TARGET_P95_MS = 150
TARGET_THROUGHPUT = 40
TARGET_VS_DEFAULT = 2.0
TARGET_LENGTH_RATIO = 1.25
TARGET_SCRATCH_S = 60
TARGET_EDIT_S = 10


def run_at(p: dict, channel: str, users: int) -> dict:
    return next(
        (r for r in p.get("runs", []) if r["channel"] == channel and r["users"] == users), {}
    )


def latency_points(results: dict) -> dict[str, list[tuple[int, float, float]]]:
    points: dict[str, list[tuple[int, float, float]]] = {}
    for key, p in results["pipelines"].items():
        for r in p.get("runs", []):
            if r.get("p95_ms") is None:
                continue
            name = f"{'ours' if key == 'ours' else 'default'} {r['channel']}"
            points.setdefault(name, []).append((r["users"], r["p50_ms"], r["p95_ms"]))
    return points


def _met(ok: bool | None) -> str:
    return "–" if ok is None else ("yes" if ok else "**no**")


def _memory(p: dict, process: str, label: str = "after load") -> float | None:
    return ((p.get("memory") or {}).get(label) or {}).get(process, {}).get("rss_mb")


def _peak(p: dict, process: str) -> float | None:
    values = [m.get(process, {}).get("peak_mb") for m in (p.get("memory") or {}).values()]
    values = [v for v in values if v is not None]
    return max(values) if values else None


def summary_table(results: dict) -> str:
    ours = results["pipelines"].get("ours", {})
    default = results["pipelines"].get("default", {})
    rows = []

    def add(label, a, b, target="", ok=None, digits=1, lower_better=True):
        rows.append([label, fmt(a, digits), fmt(b, digits), ratio(a, b), target, _met(ok)])

    for channel in ("rest", "socketio"):
        a = run_at(ours, channel, 8).get("p95_ms")
        b = run_at(default, channel, 8).get("p95_ms")
        ok = None if a is None else a <= TARGET_P95_MS
        add(f"p95 latency at 8 conversations, {channel} (ms)", a, b, "≤ 150", ok, 0)
    for channel in ("rest", "socketio"):
        a = max(
            (r["throughput"] for r in ours.get("runs", []) if r["channel"] == channel), default=None
        )
        b = max(
            (r["throughput"] for r in default.get("runs", []) if r["channel"] == channel),
            default=None,
        )
        ok = None if a is None or b is None else a >= TARGET_THROUGHPUT and a >= 2 * b
        add(f"best throughput, {channel} (replies/s)", a, b, "≥ 40 and ≥ 2× default", ok)
    a = (ours.get("breakdown") or {}).get("turn", {}).get("p50_ms")
    b = (default.get("breakdown") or {}).get("turn", {}).get("p50_ms")
    ok = None if a is None or b is None else a < b
    add("single-message p50, one at a time (ms)", a, b, "< default", ok, 0)
    add("cold start to first answer (s)", ours.get("cold_start_s"), default.get("cold_start_s"))
    for process, name in (("rasa", "Rasa server"), ("actions", "action server")):
        add(f"RSS of the {name} after load (MB)", _memory(ours, process), _memory(default, process))
        add(f"peak RSS of the {name} (MB)", _peak(ours, process), _peak(default, process))
    t_ours, t_default = ours.get("training", {}), default.get("training", {})
    scratch_default = (
        t_default.get("first_seconds")
        if t_default.get("first_from_scratch")
        else results.get("default_scratch_seconds")
    )
    a = t_ours.get("first_seconds")
    add("training from scratch (s)", a, scratch_default, "< 60", None if a is None else a < 60)
    a = t_ours.get("edit_seconds")
    add(
        "training after a response-only edit (s)",
        a,
        t_default.get("edit_seconds"),
        "< 10",
        None if a is None else a < TARGET_EDIT_S,
    )
    h_ours, h_default = ours.get("heldout") or {}, default.get("heldout") or {}
    for field, label in (
        ("topic_accuracy", "held-out topic accuracy (make evaluate)"),
        ("offtopic_rejection", "held-out off-topic declined (make evaluate)"),
    ):
        a, b = h_ours.get(field), h_default.get(field)
        ok = None if a is None or b is None else a >= b
        rows.append([label, pct(a), pct(b), ratio(a, b), "≥ default", _met(ok)])
    return table(["measure", "ours", "Rasa default", "ours / default", "target", "met"], rows)


def _lever(results: dict, name: str) -> dict:
    return (results.get("levers") or {}).get(name) or {}


def length_series(results: dict) -> dict[str, list[float]]:
    """Every turn's latency of the long conversation, per configuration that ran one."""
    return {
        lever["label"]: lever["long"]["latency_ms"]
        for lever in (results.get("levers") or {}).values()
        if isinstance(lever, dict) and lever.get("long")
    }


def _length_ratio(lever: dict) -> float | None:
    long = lever.get("long") or {}
    first, last = long.get("p50_first_10_ms"), long.get("p50_last_10_ms")
    return last / first if first and last else None


def issue16_table(results: dict) -> str:
    """The conversation-length, old-sender and burst targets, from the lever runs."""
    ours, stock = _lever(results, "ours"), _lever(results, "rasa_stock")
    if not ours:
        return "Not measured in this run."
    rows = []
    r_ours, r_stock = _length_ratio(ours), _length_ratio(stock)
    rows.append(
        [
            "p50 at turns 191-200 / turns 1-10 of one conversation",
            fmt(r_ours, 2),
            fmt(r_stock, 2),
            f"≤ {TARGET_LENGTH_RATIO}",
            _met(None if r_ours is None else r_ours <= TARGET_LENGTH_RATIO),
        ]
    )
    old = ours.get("old_sender") or {}
    old_stock = _lever(results, "sql_store").get("old_sender") or {}

    def old_ratio(o: dict) -> float | None:
        return o["old_p50_ms"] / o["new_p50_ms"] if o.get("new_p50_ms") else None

    r = old_ratio(old)
    rows.append(
        [
            f"old sender ({old.get('stored_before', '?')} events stored) p50 / new sender p50",
            fmt(r, 2),
            fmt(old_ratio(old_stock), 2) + " (Rasa's SQL store)",
            "≈ 1 (≤ 1.1)",
            _met(None if r is None else r <= 1.1),
        ]
    )
    for name, lever in (("ours", ours), ("Rasa stock", stock)):
        b = lever.get("burst")
        if not b:
            continue
        rows.append(
            [
                f"200 messages on one socket ({name}): answered, in order, connected",
                f"{b['answered']} / {b['sent']}, {'yes' if b['in_order'] else 'no'}, "
                f"{'yes' if b['connected_at_end'] else 'no'} ({b['seconds']} s)",
                "",
                "all, yes, yes",
                _met(b["ok"]) if name == "ours" else "–",
            ]
        )
    b = ours.get("burst") or {}
    if b.get("probe_during_p50_ms"):
        rows.append(
            [
                "another conversation during the burst: p50 (max) vs with no burst, ms",
                f"{fmt(b['probe_during_p50_ms'], 0)} ({fmt(b['probe_during_max_ms'], 0)}) vs "
                f"{fmt(b['probe_quiet_p50_ms'], 0)}",
                "",
                "keeps its latency",
                _met(b["probe_during_p50_ms"] <= 1.25 * b["probe_quiet_p50_ms"]),
            ]
        )
    for key in ("ours", "default"):
        o = (results["pipelines"].get(key) or {}).get("rest_order")
        if o:
            rows.append(
                [
                    f"REST: {o['messages']} messages {o['gap_ms']:.0f} ms apart to one "
                    f"conversation, runs stored in send order ({key})",
                    f"{o['in_order']} / {o['runs']}",
                    "",
                    "all",
                    _met(o["in_order"] == o["runs"]) if key == "ours" else "–",
                ]
            )
    return table(["measure", "ours", "Rasa stock", "target", "met"], rows)


LEVER_COLUMNS = (
    ("single_p50_ms", "single message p50 ms", 0),
    ("parse_distinct_p50_ms", "NLU p50 ms, distinct texts", 0),
    ("parse_repeated_p50_ms", "NLU p50 ms, repeated texts", 0),
    ("load8_throughput", "replies/s at 8 (REST)", 1),
    ("load8_p95_ms", "p95 ms at 8 (REST)", 0),
)


def instances_table(results: dict) -> str:
    """One instance against two, on the deployment's scale-out stores (bench/instances.py)."""
    found = results.get("instances") or {}
    if found.get("skipped"):
        return f"Not measured: {found['skipped']}."
    runs = [found[label] for label in ("one", "two", "two_16") if found.get(label)]
    if not runs:
        return "Not measured in this run."
    base = runs[0]
    rows = [
        [
            f"{run.get('instances')} instance(s), {run.get('users')} conversations",
            f"{fmt(run.get('throughput'), 1)} "
            f"({ratio(run.get('throughput'), base.get('throughput'))})",
            fmt(run.get("p50_ms"), 0),
            fmt(run.get("p95_ms"), 0),
            fmt(run.get("errors"), 0),
        ]
        for run in runs
    ]
    load = found.get("load_avg_start")
    return (
        f"Measured {found.get('measured', '')} (load average {fmt(load[0], 1) if load else '–'} "
        "at start): the deployment's scale-out (`deploy/docker-compose.yml`: Rasa instances "
        "sharing PostgreSQL and Redis through `deploy/endpoints.scale.yml`, one action server) "
        "started on loopback from Debian's packages, without the e5 cache. Locust over REST, "
        f"{found.get('seconds', '?')} s per row; each conversation stays on one instance, as nginx "
        "keeps it. In brackets, the ratio to one instance.\n\n"
        + table(["configuration", "replies/s", "p50 ms", "p95 ms", "errors"], rows)
    )


def levers_table(results: dict) -> str:
    found = {k: v for k, v in (results.get("levers") or {}).items() if isinstance(v, dict)}
    if not found:
        return "Not measured in this run."
    base = found.get("ours", {})
    rows = []
    for lever in found.values():
        row: list[object] = [lever["label"]]
        for key, _, digits in LEVER_COLUMNS:
            value = lever.get(key)
            row.append(f"{fmt(value, digits)} ({ratio(value, base.get(key))})")
        long = lever.get("long")
        row.append(
            f"{fmt(long['p50_first_10_ms'], 0)} → {fmt(long['p50_last_10_ms'], 0)}" if long else "–"
        )
        old = lever.get("old_sender")
        row.append(f"{fmt(old['new_p50_ms'], 0)} / {fmt(old['old_p50_ms'], 0)}" if old else "–")
        b = lever.get("burst")
        row.append(
            f"{b['answered']}/{b['sent']} in {b['seconds']} s, "
            f"{'in order' if b['in_order'] else 'not in order'}"
            if b
            else "–"
        )
        load = lever.get("load_avg_start")
        row.append(fmt(load[0], 1) if load else "–")
        rows.append(row)
    header = ["configuration", *(label for _, label, _ in LEVER_COLUMNS)]
    header += ["p50 turns 1-10 → 191-200 ms", "p50 new / old sender ms", "200-message burst"]
    header += ["load avg (1 min) at start"]
    measured = (results.get("levers") or {}).get("measured", "")
    return (
        f"Measured {measured}, one configuration after another with the same model (our "
        "pipeline), each on a fresh server pair; in brackets, the ratio to *all levers on*. "
        "Each row turns one lever back to Rasa's own behaviour (the first row all of them); "
        "all but the last run without the e5 cache, because the load generator's "
        "conversations repeat each other's texts. "
        "Single message: 40 held-out questions one at a time; NLU: `/model/parse` on 40 "
        "questions never sent before (distinct) and on the 40 just sent (repeated: the e5 "
        "cache's case); load: Locust, 8 conversations, 10 s over REST. The long conversation "
        "is 200 held-out questions in one conversation; the old sender has 10,000 events of "
        "earlier sessions (copied rows, a day old) and is interleaved with a new sender, the "
        "first turn of each left out. A burst with Rasa's lock store is given up after 60 s."
        "\n\n" + table(header, rows)
    )


def channel_table(results: dict, channel: str) -> str:
    rows = []
    pipelines = results["pipelines"]
    for users in (1, 8, 32):
        row: list[object] = [users]
        for key in ("ours", "default"):
            r = run_at(pipelines.get(key, {}), channel, users)
            row += [
                " / ".join(fmt(r.get(k), 0) for k in ("p50_ms", "p95_ms", "p99_ms")) if r else "–",
                fmt(r.get("throughput"), 1) if r else "–",
                r.get("errors", "–") if r else "–",
            ]
        a = run_at(pipelines.get("ours", {}), channel, users).get("p95_ms")
        b = run_at(pipelines.get("default", {}), channel, users).get("p95_ms")
        row.append(ratio(a, b))
        rows.append(row)
    header = ["conversations", "ours p50 / p95 / p99 ms", "ours replies/s", "ours errors"]
    header += ["default p50 / p95 / p99 ms", "default replies/s", "default errors", "p95 ratio"]
    return table(header, rows)


def load_test_section(results: dict) -> str:
    lt = results["pipelines"].get("ours", {}).get("load_test")
    if not lt:
        return "Not run."
    verdict = "**passed**" if lt["ok"] else "**FAILED**"
    rows = [
        ["conversations × messages", f"{lt['conversations']} × 20"],
        ["replies received", lt["replies"]],
        [
            "errors",
            lt["errors"] if not lt["error_kinds"] else f"{lt['errors']} {lt['error_kinds']}",
        ],
        ["user messages in the SQLite tracker store", lt["stored_in_db"]],
        ["user messages via /conversations/{id}/tracker", lt["stored_via_api"]],
        ["conversations with other than 20 stored", len(lt["short_conversations"])],
        ["wall time (s)", lt["seconds"]],
        ["throughput (replies/s)", lt["throughput"]],
        ["p50 / p95 / p99 (ms)", " / ".join(fmt(lt[k], 0) for k in ("p50_ms", "p95_ms", "p99_ms"))],
    ]
    head = (
        f"Result: {verdict}. Criterion: no error, 1000 replies, and 1000 user messages stored "
        "(read from the SQLite tracker store and from `/conversations/{id}/tracker`). "
        "`HTTP 0` is a request the client gave up on (Locust's 60 s network timeout) or whose "
        "connection failed.\n\n"
    )
    return head + table(["", "value"], rows)


def phases_table(results: dict) -> str:
    """Seconds per phase of each measured training (from the `rasa train` logs)."""
    columns = []
    for key, p in results["pipelines"].items():
        t = p.get("training") or {}
        name = "ours" if key == "ours" else "default"
        first = "from scratch" if t.get("first_from_scratch") else "cached retrain"
        for field, label in (("first_phases", first), ("edit_phases", "after the edit")):
            if t.get(field):
                columns.append((f"{name}, {label}", t[field]))
    if not columns:
        return ""
    names: list[str] = []
    for _, phases in columns:
        names += [n for n in phases if n not in names and any(c.get(n) for _, c in columns)]
    rows = [[n, *(fmt(c.get(n), 0) if n in c else "–" for _, c in columns)] for n in names]
    rows.append(["total (wall clock)", *(fmt(sum(c.values()), 0) for _, c in columns)])
    return (
        "Where the training time goes, in seconds, read from the timestamps in each "
        "`rasa train` log (1 s resolution; `bot/tools/bench/training.phases`). "
        "*preparing* is building the graph, loading and featurizing the data before the first "
        "component trains; *packing* is writing the model archive.\n\n"
        + table(["phase", *(label for label, _ in columns)], rows)
        + "\n\n"
    )


def training_notes(results: dict) -> str:
    when = "; ".join(
        f"{p.get('title', key)} trained {p['training']['measured']}"
        for key, p in results["pipelines"].items()
        if p.get("training", {}).get("measured")
    )
    head = f"Training measured: {when}.\n\n" if when else ""
    return head + phases_table(results) + _training_notes(results)


def _training_notes(results: dict) -> str:
    default = results["pipelines"].get("default", {}).get("training", {})
    if default.get("first_from_scratch") or not default:
        return "Both pipelines were trained from an empty cache in this run."
    seconds = results.get("default_scratch_seconds")
    measured = (
        f"{seconds:.0f} s ({seconds / 60:.0f} min), measured separately on this machine the "
        "same day (`rasa train --config bot/tools/pipelines/default.yml` with an empty "
        "`RASA_CACHE_DIRECTORY`; see the note at the top for the conditions)"
        if seconds
        else "not measured"
    )
    return (
        "Our pipeline is trained from an empty cache in every run. Training Rasa's default "
        "pipeline from scratch (DIET, TED and UnexpecTED, 100 epochs each as shipped) takes many "
        "minutes on these 2 cores, so `make bench` retrains it with the project's cache "
        "(`BENCH_ARGS=--default-scratch` measures it from scratch). "
        f"Its from-scratch time: {measured}; "
        f"the cached retrain took {fmt(default.get('first_seconds'), 0)} s."
    )


def breakdown_table(results: dict) -> str:
    rows = []
    for key, p in results["pipelines"].items():
        b = p.get("breakdown")
        if not b:
            continue
        rows.append(
            [
                "ours" if key == "ours" else "Rasa default",
                f"{fmt(b['nlu']['p50_ms'], 0)} / {fmt(b['nlu']['p95_ms'], 0)}",
                f"{fmt(b['turn']['p50_ms'], 0)} / {fmt(b['turn']['p95_ms'], 0)}",
                fmt(b["dialogue_p50_ms"], 0),
                fmt(b["capacity_per_s"], 1),
            ]
        )
    if not rows:
        return "Not measured in this run."
    messages = next(
        p["breakdown"]["messages"] for p in results["pipelines"].values() if p.get("breakdown")
    )
    header = [
        "pipeline",
        "NLU only p50 / p95 ms",
        "whole turn p50 / p95 ms",
        "rest of the turn, p50 ms",
        "one process at most (replies/s)",
    ]
    return (
        f"{messages} held-out questions sent one at a time, with no other load, first to "
        "`/model/parse` (NLU only: tokenizer, featurizers, classifier) and then as a turn over "
        "REST (NLU, policies, actions, the tracker store's read and write). The last column is "
        "1000 / mean turn time: what one Rasa process could serve if it did nothing else "
        "(under load, Locust shares the same 2 cores).\n\n" + table(header, rows)
    )


def profile_table(results: dict) -> str:
    profiles = {
        ("ours" if key == "ours" else "Rasa default"): p["profile"]
        for key, p in results["pipelines"].items()
        if p.get("profile")
    }
    if not profiles:
        return ""
    parts: list[str] = []
    for profile in profiles.values():
        parts += [part for part in profile["parts_ms"] if part not in parts]
    rows = [[part, *(fmt(p["parts_ms"].get(part), 1) for p in profiles.values())] for part in parts]
    rows.append(["whole turn", *(fmt(p["total_ms"], 1) for p in profiles.values())])
    turns = next(iter(profiles.values()))["turns"]
    return (
        f"\n\nThe same kind of turn taken apart with `cProfile` ({turns} held-out questions, "
        "the model loaded in the benchmark's own process, custom actions on the running action "
        "server; `bot/tools/bench/turn_profile.py`): milliseconds per turn spent in each part "
        "(the profiler adds some overhead of its own).\n\n"
        + table(["part of a turn", *(f"{name} (ms)" for name in profiles)], rows)
    )


def _turn_evidence(p: dict) -> str:
    """The measured split of one turn, for the analysis: HTTP breakdown and profile."""
    said = []
    b = p.get("breakdown")
    if b:
        said.append(
            f"measured one at a time: NLU {b['nlu']['p50_ms']:.0f} ms, the rest of the turn "
            f"{b['dialogue_p50_ms']:.0f} ms at the median"
        )
    parts = (p.get("profile") or {}).get("parts_ms") or {}
    if parts:
        biggest = sorted(parts.items(), key=lambda kv: -kv[1])[:3]
        said.append(
            "the profile's largest parts: " + ", ".join(f"{n} {ms:.0f} ms" for n, ms in biggest)
        )
    return "; ".join(said)


def _slower_because(ours: dict, default: dict) -> str:
    """Why our turns are slower than the default's, from the two one-at-a-time breakdowns."""
    b_ours, b_default = ours.get("breakdown"), default.get("breakdown")
    if not (b_ours and b_default):
        return ""
    e5 = ((ours.get("profile") or {}).get("parts_ms") or {}).get("NLU: e5 sentence embedding")
    return (
        f" Ours is the slower one: its NLU takes {b_ours['nlu']['p50_ms']:.0f} ms a message "
        f"against the default's {b_default['nlu']['p50_ms']:.0f} ms"
        + (f", most of it the e5 sentence embedding ({e5:.0f} ms)" if e5 else "")
        + f"; the rest of a turn takes {b_ours['dialogue_p50_ms']:.0f} ms against "
        f"{b_default['dialogue_p50_ms']:.0f} ms. That embedding is what buys the higher "
        "accuracy, so the target 'lower latency and memory at equal or better accuracy' is met "
        "for memory and accuracy, not for latency."
    )


def _littles_law(run: dict) -> str:
    """What the closed-loop load implies: latency = conversations / throughput."""
    if not run.get("throughput"):
        return ""
    users, rate = run["users"], run["throughput"]
    return (
        f" With {users} conversations sending without pause, the mean latency is {users} / "
        f"throughput (Little's law): {rate:.1f} replies/s gives {1000 * users / rate:.0f} ms; "
        f"a p95 of {TARGET_P95_MS} ms at {users} needs well over "
        f"{users * 1000 / TARGET_P95_MS:.0f} replies/s from this one process."
    )


def _instances_evidence(results: dict) -> str:
    """What two instances gave on this machine ("Several instances on one machine")."""
    found = results.get("instances") or {}
    one, two = found.get("one") or {}, found.get("two") or {}
    if not one.get("throughput") or not two.get("throughput"):
        return ""
    return (
        f" Two instances on these same 2 cores (the deployment's scale-out, table above) gave "
        f"{two['throughput']:.1f} replies/s against {one['throughput']:.1f} for one, p95 "
        f"{fmt(two.get('p95_ms'), 0)} ms against {fmt(one.get('p95_ms'), 0)} at 8 "
        "conversations: more instances need more cores, not only more processes."
    )


def analysis(results: dict) -> str:
    """One line per target: met or not, and the likely reason when not."""
    ours = results["pipelines"].get("ours", {})
    default = results["pipelines"].get("default", {})
    lines = []
    p95 = run_at(ours, "rest", 8).get("p95_ms")
    if p95 is not None:
        if p95 <= TARGET_P95_MS:
            lines.append(
                f"- p95 at 8 conversations: {p95:.0f} ms over REST, within {TARGET_P95_MS} ms."
            )
        else:
            evidence = _turn_evidence(ours)
            lines.append(
                f"- p95 at 8 conversations is {p95:.0f} ms over REST "
                f"(target {TARGET_P95_MS} ms). One Rasa process handles every turn: the "
                "policies, actions and the tracker store on one asyncio loop, NLU in one "
                "worker thread beside it"
                + (f" ({evidence})" if evidence else "")
                + ", so with 8 conversations a message waits behind up to 7 others; Locust "
                "takes CPU from the same 2 shared cores. More instances behind a load balancer "
                "(README deployment) is the way past one process's limit."
                + _littles_law(run_at(ours, "rest", 8))
                + _instances_evidence(results)
            )
    best = max((r["throughput"] for r in ours.get("runs", [])), default=None)
    if best is not None:
        verdict = "meets" if best >= TARGET_THROUGHPUT else "is below"
        capacity = (ours.get("breakdown") or {}).get("capacity_per_s")
        bound = (
            f"; even with no load generator, one message at a time, one process managed "
            f"{capacity:.0f} turns/s"
            if capacity
            else ""
        )
        lines.append(
            f"- Best throughput {best:.1f} replies/s {verdict} the {TARGET_THROUGHPUT} "
            f"replies/s target (same cause: one process, CPU-bound turns, 2 shared cores{bound})."
        )
    training = ours.get("training", {})
    if training.get("first_seconds") is not None:
        verdict = "within" if training["first_seconds"] < TARGET_SCRATCH_S else "over"
        slowest = sorted((training.get("first_phases") or {}).items(), key=lambda kv: -kv[1])
        where = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in slowest[:3])
        lines.append(
            f"- Training from scratch: {training['first_seconds']:.0f} s, {verdict} 60 s"
            + (f"; the largest phases: {where} (table above)." if where else ".")
        )
    if training.get("edit_seconds") is not None:
        verdict = "within" if training["edit_seconds"] < TARGET_EDIT_S else "over"
        lines.append(
            f"- After a response-only edit: {training['edit_seconds']:.0f} s, {verdict} 10 s: "
            "the trained components should come from the cache; what remains is mostly "
            "the `rasa train` command's fixed cost (importing Rasa and TensorFlow, "
            "reading and validating the data, packing the model)."
        )
    a, b = run_at(ours, "rest", 8).get("p95_ms"), run_at(default, "rest", 8).get("p95_ms")
    m_a, m_b = _memory(ours, "rasa"), _memory(default, "rasa")
    if None not in (a, b, m_a, m_b):
        lines.append(
            f"- Against Rasa's default: p95 at 8 {ratio(a, b)}, Rasa server memory "
            f"{ratio(m_a, m_b)} (ours / default); accuracy in the summary table."
            + (_slower_because(ours, default) if a > b else "")
        )
    return "\n".join(lines) or "(no figures)"


def _length_figure(results: dict) -> str:
    if not results.get("length_png"):
        return ""
    return f"![Reply latency against conversation length]({results['length_png']})"


def _when(results: dict) -> str:
    parts = [
        f"{p.get('title', key)}: {p['measured']}"
        for key, p in results["pipelines"].items()
        if p.get("measured")
    ]
    return "Measured: " + "; ".join(parts) + "." if parts else ""


def render(results: dict) -> str:
    took = f"{results['seconds']:.0f} s" if results.get("seconds") else "report re-rendered"
    made = f"{results['date']}, commit `{results['commit']}`, {took}"
    return f"""# Benchmark: speed, memory, training time, load

Produced by `make bench` ({made}).
One instance (Rasa server + action server, SQLite file) on free loopback ports, each pipeline in
turn: ours as `endpoints.yml` configures it (the recent-turns tracker store, the prompt in-memory
lock store, NLU in a worker thread) but with its e5 cache off, because the load generator's
conversations repeat each other's texts (the cache's effect is in "What each lever gives");
Rasa's default pipeline as Rasa ships it (its SQL tracker store, its in-memory lock store, NLU
on the event loop). Load comes from
[Locust](https://locust.io) 2.46.0 (`bot/tools/bench/load.py`, pinned in `requirements-bench.txt`,
installed into `var/venv-bench`): closed-loop conversations with no think time, each sending the
held-out questions in turn, {results["duration"]:.0f} s per level, over REST
(`/webhooks/rest/webhook`) and socket.io (the widget's protocol: `session_request`, then
`user_uttered` until the server's `bot_done`). Latency is from sending a message to the whole
reply; percentiles are exact over every reply of the level.

{_when(results)}
The "Rasa default" column is: {results["pipelines"].get("default", {}).get("title", "not run")}.

**Noise:** the machine has 2 CPU cores (shared with other work at times: the note below says
how it was for this run), and Locust runs on the same cores as the servers. Treat the figures as
indicative; differences under about 20% are within the noise.
{results.get("note") or ""}

## Summary

{summary_table(results)}

## Where one turn's time goes

{breakdown_table(results)}{profile_table(results)}

## Conversation length, old senders, bursts and ordering (issue 16)

{issue16_table(results)}

{_length_figure(results)}

## What each lever gives

{levers_table(results)}

### Several instances on one machine

{instances_table(results)}

## Latency and throughput: REST

{channel_table(results, "rest")}

## Latency and throughput: socket.io

{channel_table(results, "socketio")}

![Reply latency against concurrent conversations]({results["latency_png"]})

## Load test: 50 concurrent conversations × 20 messages (issue 7)

{load_test_section(results)}

## Training time

{training_notes(results)}
The response-only edit changes one response's text in a copy of `domain.yml`
(`var/bench/*/edited/domain.yml`; the real file is never touched) and retrains with the same
cache: only the response changed, so Rasa reuses every trained component.

## Where the targets are missed, and why

{analysis(results)}
"""
