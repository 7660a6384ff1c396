"""Whole-process benchmark: `hud encoder --seed 0` against the seed's encoder_main.py run after
torch.manual_seed(0), the same 9-2-9 training to epoch 15673, alternating, several times each.
Prints the median and fastest wall time, the peak memory (max RSS) of each, and their ratios.
Run through scripts/bench, which builds hud first."""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def measure(argv, cwd, env=None):
    """Runs argv to completion: (wall seconds, peak RSS in MB, stdout)."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    stdout = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit("failed: %s" % " ".join(argv))
    return wall, usage.ru_maxrss / 1024, stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="runs of each (default 5)")
    parser.add_argument("--hud", default=os.path.join(ROOT, "target", "release", "hud"))
    args = parser.parse_args()
    script = os.path.join(ROOT, "fixtures", "encoder_main.py")
    seeded = "import runpy, torch; torch.manual_seed(0); runpy.run_path(%r, run_name='__main__')" % script
    commands = {
        "hud": [args.hud, "encoder", "--seed", "0"],
        "python": [sys.executable, "-c", seeded],
    }
    env = dict(os.environ, MPLBACKEND="Agg")
    results = {name: [] for name in commands}
    outputs = {}
    with tempfile.TemporaryDirectory() as work:
        for run in range(args.runs):
            for name, argv in commands.items():
                wall, rss, stdout = measure(argv, work, env)
                results[name].append((wall, rss))
                outputs[name] = stdout
    if outputs["hud"] != outputs["python"]:
        sys.exit("hud and the Python script printed different lines")
    print("9-2-9 encoder, seed 0, %d epochs, %d runs each (same printed lines):"
          % (15673, args.runs))
    print("  %-8s %12s %12s %14s" % ("", "median (s)", "fastest (s)", "peak RSS (MB)"))
    summary = {}
    for name, runs in results.items():
        walls = [w for w, _ in runs]
        rss = max(r for _, r in runs)
        summary[name] = (statistics.median(walls), min(walls), rss)
        print("  %-8s %12.2f %12.2f %14.0f" % ((name,) + summary[name]))
    hud, python = summary["hud"], summary["python"]
    print("  python / hud: %.1fx the wall time (median), %.1fx the memory" % (python[0] / hud[0], python[2] / hud[2]))


if __name__ == "__main__":
    main()
