"""Whole-process benchmark: `hud spirals --net raw --seed 0` against the Python reference (the course's
spiral_main.py training loop with the assignment's RawNet, fixtures/spirals_reference.py), the same
run to the same stopping epoch (with the defaults, raw seed 0 never reaches 100% and runs all 99,999
epochs), alternating, --runs times each (default once); no pictures on either side. Prints the median and fastest
wall time, the peak memory (max RSS) of each, and their ratios. Run through `scripts/bench spirals`,
which builds hud first."""
import argparse
import os
import statistics
import sys
import tempfile

from bench_encoder import ROOT, measure


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=1, help="runs of each (default 1)")
    parser.add_argument("--net", default="raw")
    parser.add_argument("--seed", default="0")
    parser.add_argument("--epochs", default="100000", help="the script's --epochs (default 100000)")
    parser.add_argument("--hud", default=os.path.join(ROOT, "target", "release", "hud"))
    args = parser.parse_args()
    run = ["--net", args.net, "--seed", args.seed, "--epochs", args.epochs]
    commands = {
        "hud": [args.hud, "spirals", "--no-plots"] + run,
        "python": [sys.executable, os.path.join(ROOT, "fixtures", "spirals_reference.py"), "--print"] + run,
    }
    results = {name: [] for name in commands}
    outputs = {}
    with tempfile.TemporaryDirectory() as work:
        for _ in range(args.runs):
            for name, argv in commands.items():
                wall, rss, stdout = measure(argv, work)
                results[name].append((wall, rss))
                outputs[name] = stdout
    if outputs["hud"] != outputs["python"]:
        sys.exit("hud and the Python reference printed different lines")
    last = outputs["hud"].decode().strip().splitlines()[-1]
    print("spirals --net %s --seed %s --epochs %s, %d runs each (same printed lines, the last: %s):"
          % (args.net, args.seed, args.epochs, args.runs, last))
    print("  %-8s %12s %12s %14s" % ("", "median (s)", "fastest (s)", "peak RSS (MB)"))
    summary = {}
    for name, runs in results.items():
        walls = [w for w, _ in runs]
        summary[name] = (statistics.median(walls), min(walls), max(r for _, r in runs))
        print("  %-8s %12.2f %12.2f %14.0f" % ((name,) + summary[name]))
    hud, python = summary["hud"], summary["python"]
    print("  python / hud: %.1fx the wall time (median), %.1fx the memory" % (python[0] / hud[0], python[2] / hud[2]))


if __name__ == "__main__":
    main()
