"""Sweep throughput: `hud sweep` training 1, 10, 100, 1000 and 10000 simultaneous 9-2-9 runs, in
run-epochs per second, against the course script training one run at a time (its training loop timed
in-process, as fixtures/encoder_reference.py runs it), in the same run; then, with --full, the whole
1000-seed 9-2-9 sweep to convergence, wall time of the whole process.
Run through scripts/bench sweep, which builds hud first."""
import argparse
import importlib.util
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def python_rate(epochs, device):
    """Run-epochs per second of the course's loop, one 9-2-9 run (seed 0), training only."""
    spec = importlib.util.spec_from_file_location("reference", os.path.join(ROOT, "fixtures", "encoder_reference.py"))
    reference = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(reference)
    config = reference.default_config(epochs=epochs, stop=0.0, device=device)
    reference.run(dict(config, epochs=50))  # warm up (CUDA context, allocator)
    start = time.perf_counter()
    trace = reference.run(config)
    return trace["epochs"] / (time.perf_counter() - start)


def hud_sweep(hud, work, args):
    """Runs `hud sweep ARGS`: (run-epochs per second while training, whole-process seconds, run-epochs)."""
    start = time.perf_counter()
    done = subprocess.run([hud, "sweep", "--csv", "sweep.csv", "--out", "sweep.png"] + args, cwd=work,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit("hud sweep failed: " + done.stderr)
    found = re.search(r"trained (\d+) runs \((\d+) run-epochs\) in ([0-9.]+) s", done.stderr)
    return int(found.group(2)) / float(found.group(3)), wall, int(found.group(2))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=2000, help="epochs per run (default 2000)")
    parser.add_argument("--runs", default="1,10,100,1000,10000", help="simultaneous runs to try")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--full", action="store_true", help="also time the 1000-seed sweep to convergence")
    parser.add_argument("--hud", default=os.path.join(ROOT, "target", "release", "hud"))
    args = parser.parse_args()
    python = python_rate(args.epochs, args.device)
    print("9-2-9 encoder, %d epochs per run, on %s (%d CPU cores):" % (args.epochs, args.device, os.cpu_count()))
    print("| simultaneous runs | run-epochs per second | against the Python script |")
    print("| ---: | ---: | ---: |")
    print("| Python script, 1 run | %.0f | 1x |" % python)
    with tempfile.TemporaryDirectory() as work:
        for runs in [int(r) for r in args.runs.split(",")]:
            rate, _, _ = hud_sweep(args.hud, work, ["--seeds", str(runs), "--epochs", str(args.epochs), "--compare", "0",
                                                 "--device", args.device])
            print("| hud sweep, %d | %.0f | %.0fx |" % (runs, rate, rate / python))
        if args.full:
            rate, wall, epochs = hud_sweep(args.hud, work, ["--seeds", "1000", "--compare", "0", "--device", args.device])
            print("1000-seed 9-2-9 sweep to convergence (%d epochs in all): %.1f s whole process (%.0f run-epochs "
                  "per second); the Python script, one run after another, would need about %.1f hours"
                  % (epochs, wall, rate, epochs / python / 3600))


if __name__ == "__main__":
    main()
