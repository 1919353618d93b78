#!/usr/bin/env python3
"""Turns bench/run's raw oha output into bench/results/<date>.json and .md (and prints the
Markdown). Usage: report.py RAW_DIR OUT_PREFIX ARTICLES DURATION"""
import json
import os
import platform
import subprocess
import sys

raw, out, articles, duration = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]


def read(name):
    with open(os.path.join(raw, name)) as f:
        return f.read().strip()


def oha(label):
    d = json.load(open(os.path.join(raw, label + ".json")))
    s, p = d["summary"], d["latencyPercentiles"]
    codes = {k: v for k, v in d["statusCodeDistribution"].items()}
    ok = codes.get("200", 0)
    bad = sum(v for k, v in codes.items() if k != "200") + sum(d["errorDistribution"].values())
    return {
        "rps": round(s["requestsPerSec"], 1),
        "p50_ms": round(p["p50"] * 1000, 3),
        "p99_ms": round(p["p99"] * 1000, 3),
        "ok": ok,
        "errors": bad,
        "status_codes": codes,
        "error_kinds": d["errorDistribution"],
    }


NAMES = {"article": "article", "home": "home", "deep": "deep listing", "search": "search (one query)",
         "varied": "search (272 queries)", "junk": "search (12 words of 1-2 letters)",
         "ceiling": "static ceiling"}


def cmd(*args):
    try:
        return subprocess.run(args, capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return ""


def machine():
    model = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kb = int(f.readline().split()[1])
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "rustc": cmd("rustc", "-V"),
        "oha": cmd("oha", "--version"),
        "commit": cmd("git", "rev-parse", "--short", "HEAD"),
        "load_average_start": read("loadavg-start"),
        "load_average_end": read("loadavg-end"),
        "note": "server and load generator on the same machine",
    }


result = {"articles": articles, "duration_per_run": duration, "machine": machine(), "backends": {}}
for backend in read("backends").split():
    b = {"seed_seconds": float(read(f"{backend}-seed-seconds")),
         "deep_path": read(f"{backend}-deep-path"),
         "peak_rss_mb": round(int(read(f"{backend}-rss-kb")) / 1024, 1),
         "searches_over_budget": int(read(f"{backend}-over-budget") or 0),
         "runs": {}}
    for page in ["article", "home", "deep", "search", "varied", "junk", "ceiling"]:
        for c in [16, 64]:
            b["runs"][f"{page}-c{c}"] = oha(f"{backend}-{page}-c{c}")
    for page in ["article", "home"]:
        b["runs"][f"small-{page}-c64"] = oha(f"{backend}-small-{page}-c64")
    for page in ["article", "home", "deep", "search", "varied", "junk"]:
        for c in [16, 64]:
            r = b["runs"][f"{page}-c{c}"]
            r["ratio_to_ceiling"] = round(r["rps"] / b["runs"][f"ceiling-c{c}"]["rps"], 3)
    before, after = (int(x) for x in read(f"{backend}-views").split())
    after_bots = int(read(f"{backend}-views-after-bots"))
    served = b["runs"]["article-c16"]["ok"] + b["runs"]["article-c64"]["ok"]
    b["views"] = {"requests_served": served, "views_counted": after - before,
                  "counted_for_bots": after_bots - after}
    runs = b["runs"]
    size = {}
    for page in ["article", "home"]:
        big, small = runs[f"{page}-c64"], runs[f"small-{page}-c64"]
        size[page] = {"rps_ratio": round(max(big["rps"], small["rps"]) / max(min(big["rps"], small["rps"]), 0.001), 2),
                      "p99_ratio": round(max(big["p99_ms"], small["p99_ms"]) / max(min(big["p99_ms"], small["p99_ms"]), 0.001), 2)}
    b["size_effect_100_vs_all"] = size
    targets = []

    def target(name, met, figure):
        targets.append({"target": name, "met": bool(met), "figure": figure})

    art16, art64 = runs["article-c16"], runs["article-c64"]
    target("article ≥ 50% of the static ceiling's throughput",
           art16["ratio_to_ceiling"] >= 0.5 and art64["ratio_to_ceiling"] >= 0.5,
           f"c16 {art16['ratio_to_ceiling']:.0%}, c64 {art64['ratio_to_ceiling']:.0%}")
    target("article p99 < 5 ms at c64", art64["p99_ms"] < 5, f"{art64['p99_ms']:.2f} ms")
    target("article: zero errors", art16["errors"] == 0 and art64["errors"] == 0,
           f"{art16['errors'] + art64['errors']} errors")
    for page in ["home", "deep", "search", "varied", "junk"]:
        r = runs[f"{page}-c64"]
        target(f"{NAMES[page]} p99 < 20 ms at c64", r["p99_ms"] < 20 and r["errors"] == 0,
               f"{r['p99_ms']:.2f} ms, {r['errors']} errors")
    target("100 vs all articles differ < 1.5× (article and home, c64: req/s and p99)",
           all(v["rps_ratio"] < 1.5 and v["p99_ratio"] < 1.5 for v in size.values()),
           "; ".join(f"{k}: req/s {v['rps_ratio']}×, p99 {v['p99_ratio']}×" for k, v in size.items()))
    target("peak RSS < 100 MB", b["peak_rss_mb"] < 100, f"{b['peak_rss_mb']} MB")
    v = b["views"]
    target("views counted = requests served (window 0)", v["views_counted"] == v["requests_served"],
           f"{v['views_counted']} counted / {v['requests_served']} served")
    target("nothing counted for bots", v["counted_for_bots"] == 0, f"{v['counted_for_bots']} counted")
    b["targets"] = targets
    result["backends"][backend] = b

with open(out + ".json", "w") as f:
    json.dump(result, f, indent=2, ensure_ascii=False)

m = result["machine"]
lines = [f"# Chronicle benchmark, {os.path.basename(out)}", "",
         f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB RAM, Linux {m['kernel']}; "
         f"{m['rustc']}; {m['oha']}; commit {m['commit']}. {m['note']}; load average "
         f"(1/5/15 min) {m['load_average_start']} at the start, {m['load_average_end']} at the end.", "",
         f"{articles:,} generated articles; each run is `oha -z {duration}` with keep-alive; "
         "dedup window 0 (every request is a view).", ""]
for backend, b in result["backends"].items():
    lines += [f"## {backend}", "",
              f"Seeding {articles:,} articles: {b['seed_seconds']} s. Peak RSS of the server: "
              f"{b['peak_rss_mb']} MB. Deep listing page: `{b['deep_path']}`. Searches over their "
              f"time budget (logged by the server): {b['searches_over_budget']}.", "",
              "| page | c | req/s | p50 ms | p99 ms | errors | share of ceiling |",
              "|---|---|---:|---:|---:|---:|---:|"]
    for page in ["article", "home", "deep", "search", "varied", "junk", "ceiling"]:
        for c in [16, 64]:
            r = b["runs"][f"{page}-c{c}"]
            share = f"{r['ratio_to_ceiling']:.0%}" if "ratio_to_ceiling" in r else "—"
            name = NAMES[page]
            lines.append(f"| {name} | {c} | {r['rps']:,.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['errors']} | {share} |")
    for page in ["article", "home"]:
        r = b["runs"][f"small-{page}-c64"]
        lines.append(f"| {page}, 100 articles | 64 | {r['rps']:,.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['errors']} | — |")
    lines += ["", "| target | met | figure |", "|---|---|---|"]
    for t in b["targets"]:
        lines.append(f"| {t['target']} | {'yes' if t['met'] else '**no**'} | {t['figure']} |")
    lines.append("")
with open(out + ".md", "w") as f:
    f.write("\n".join(lines))
print("\n".join(lines))
print(f"\nwritten: {out}.json, {out}.md")
