"""Stacked runs against the one-run-per-thread path, in the same run (`scripts/bench stacked`):

1. throughput: run-epochs per second of `hud spirals --seeds R` (RawNet, hid 10 and 20) for R = 1, 10,
   100 and 1000 runs at once, stacked (`--engine stacked`) against one run per worker thread
   (`--engine threads`), with as many epochs as keep the work near 20,000 run-epochs, 200 at least (none of these
   runs reaches 100% that early, so every run trains every epoch);
2. whole process: 20 RawNet seeds of 1,000 epochs in one `hud spirals --seeds 20` against the same 20
   runs one after another (`hud spirals --seed S --no-plots`, one process each) and against
   `--engine threads`;
3. with --depth: the depth table (`hud depth --table`) with 1 seed per cell on the threads path (the
   earlier table) against 20 seeds per cell stacked;
4. with --search: the RawNet search (`scripts/spirals-search`: 19 settings x 20 seeds, 20,000 epochs).

Every hud command runs in the kernels given by --portable (default: this machine's own). Prints a
table per part. Run through `scripts/bench stacked`, which builds hud first."""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RATE = re.compile(r"trained \d+ runs \(\d+ run-epochs\) in [0-9.]+ s: (\d+) run-epochs per second")


def timed(argv, cwd):
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit("failed: %s\n%s" % (" ".join(argv), done.stderr.decode()))
    return wall, done.stdout.decode(), done.stderr.decode()


def throughput(hud, cwd):
    print("1. run-epochs per second, RawNet, R runs at once (stacked / one run per thread):")
    print("  %-7s %5s %8s %16s %16s %8s" % ("hid", "R", "epochs", "stacked", "threads", "ratio"))
    for hid in (10, 20):
        for runs in (1, 10, 100, 1000):
            epochs = max(200, 20_000 // runs)
            rates = {}
            for engine in ("stacked", "threads"):
                argv = hud + ["spirals", "--hid", str(hid), "--seeds", str(runs), "--epochs", str(epochs + 1),
                              "--engine", engine]
                _, _, stderr = timed(argv, cwd)
                rates[engine] = float(RATE.search(stderr).group(1))
            print("  %-7d %5d %8d %16.0f %16.0f %7.1fx" % (hid, runs, epochs, rates["stacked"], rates["threads"],
                                                         rates["stacked"] / rates["threads"]))


def whole_process(hud, cwd):
    seeds, epochs = 20, "1001"
    stacked, _, _ = timed(hud + ["spirals", "--seeds", str(seeds), "--epochs", epochs], cwd)
    threads, _, _ = timed(hud + ["spirals", "--seeds", str(seeds), "--epochs", epochs, "--engine", "threads"], cwd)
    singles = 0.0
    for seed in range(seeds):
        wall, _, _ = timed(hud + ["spirals", "--seed", str(seed), "--epochs", epochs, "--no-plots"], cwd)
        singles += wall
    print("2. 20 RawNet seeds of 1,000 epochs, whole process (wall time):")
    print("  20 single runs one after another  %8.2f s" % singles)
    print("  --seeds 20 --engine threads       %8.2f s  (%.1fx faster)" % (threads, singles / threads))
    print("  --seeds 20 (stacked)              %8.2f s  (%.1fx faster)" % (stacked, singles / stacked))


def depth(hud, cwd):
    one, _, _ = timed(hud + ["depth", "--table", "--engine", "threads", "--csv", "one.csv", "--out", "one.png"], cwd)
    twenty, _, _ = timed(hud + ["depth", "--table", "--seeds", "20", "--csv", "twenty.csv", "--out", "twenty.png"], cwd)
    print("3. the depth table (7 depths x 8 techniques), whole process:")
    print("  1 seed per cell, one network per thread  %8.1f s" % one)
    print("  20 seeds per cell, stacked               %8.1f s  (%.2fx the 1-seed time for 20x the runs)"
          % (twenty, twenty / one))


def search(hud, cwd):
    env = dict(os.environ, HUD=hud[0], HUD_ARGS=" ".join(hud[1:]), OUT=os.path.join(cwd, "search.md"))
    started = time.perf_counter()
    subprocess.run([os.path.join(ROOT, "scripts", "spirals-search"), "--csv", os.path.join(cwd, "search.csv")],
                   cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    print("4. the RawNet search (19 settings x 20 seeds, 20,000 epochs): %.1f s" % (time.perf_counter() - started))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--portable", action="store_true", help="run hud in the portable kernels")
    parser.add_argument("--depth", action="store_true", help="also time the depth table, 1 and 20 seeds")
    parser.add_argument("--search", action="store_true", help="also time the RawNet search")
    parser.add_argument("--keep", metavar="DIR", help="keep the tables (CSV, heatmaps, markdown) in DIR")
    parser.add_argument("--hud", default=os.path.join(ROOT, "target", "release", "hud"))
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)
    hud = [args.hud] + (["--portable"] if args.portable else [])
    print("kernels: %s; %d cores" % ("portable" if args.portable else "this machine's own", os.cpu_count()))
    with tempfile.TemporaryDirectory() as scratch:
        work = os.path.abspath(args.keep) if args.keep else scratch
        os.makedirs(work, exist_ok=True)
        throughput(hud, work)
        whole_process(hud, work)
        if args.depth:
            depth(hud, work)
        if args.search:
            search(hud, work)


if __name__ == "__main__":
    main()
