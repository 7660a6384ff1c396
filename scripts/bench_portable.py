#!/usr/bin/env python3
"""What --portable costs: microseconds per epoch of `hud encoder` (the seed's 9-2-9, seed 0) and of
`hud spirals` (RawNet, seed 0), in this machine's native kernels and in the portable ones.

Each figure is (median time of a long run - median time of a 1-epoch run) / the difference in epochs,
whole process, so start-up, the picture and re-executing for --portable cancel out.

    scripts/bench portable [--runs 5]
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HUD = os.path.join(ROOT, "target", "release", "hud")
CASES = [
    ("encoder 9-2-9", ["encoder", "--seed", "0", "--stop", "0", "--print-every", "0", "--out", "bench.png"], 20000),
    ("spirals raw", ["spirals", "--net", "raw", "--seed", "0", "--no-plots"], 3001),
]
PORTABLE_KEYS = ["ATEN_CPU_CAPABILITY", "MKL_CBWR", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "MKL_DYNAMIC",
                 "OMP_DYNAMIC"]


def seconds(args, runs):
    env = {k: v for k, v in os.environ.items() if k not in PORTABLE_KEYS}
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([HUD] + args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                       cwd=os.environ.get("TMPDIR", "/tmp"))
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print("%-14s %22s %22s %8s" % ("", "native us/epoch", "portable us/epoch", "ratio"))
    for name, case, epochs in CASES:
        per_epoch = {}
        for mode, extra in (("native", []), ("portable", ["--portable"])):
            long_run = seconds(case + ["--epochs", str(epochs)] + extra, args.runs)
            short_run = seconds(case + ["--epochs", "2" if name.startswith("spirals") else "1"] + extra, args.runs)
            per_epoch[mode] = (long_run - short_run) * 1e6 / (epochs - 1)
        print("%-14s %22.1f %22.1f %7.2fx" % (name, per_epoch["native"], per_epoch["portable"],
                                              per_epoch["portable"] / per_epoch["native"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
