"""Whole-process benchmark of `hud seq` against the course's seq_train.py (seeded: fixtures/seq_reference.py),
both in the portable kernels (--portable), where hud's scalar engine trains the SRN and their printed lines
are the same byte for byte (checked). The default: the whole default a^n b^n run, 100,001 steps, once
each. Then microseconds per training step for the SRN (scalar engine and tensors) and an LSTM, from
shorter runs (the time of --short thousand steps less that of one thousand, over the steps between). Run through
`scripts/bench seq`, which builds hud first."""
import argparse
import os
import sys
import tempfile

from bench_encoder import ROOT, measure


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epoch", default="100", help="the script's --epoch, thousands of steps (default 100)")
    parser.add_argument("--short", type=int, default=5, help="thousands of steps for the per-step figures (at least 2)")
    parser.add_argument("--hud", default=os.path.join(ROOT, "target", "release", "hud"))
    args = parser.parse_args()
    hud = [args.hud, "--portable", "seq"]
    python = [sys.executable, os.path.join(ROOT, "fixtures", "seq_reference.py"), "--portable"]
    run = ["--lang", "anbn", "--seed", "0", "--epoch", args.epoch]
    with tempfile.TemporaryDirectory() as work:
        hud_wall, hud_rss, hud_out = measure(hud + run, work)
        py_wall, py_rss, py_out = measure(python + run, work)
        if hud_out != py_out:
            sys.exit("hud and the Python script printed different lines")
        steps = int(args.epoch) * 1000 + 1
        print("seq --lang anbn --seed 0 --epoch %s (%d steps), portable kernels, the same %d printed lines:"
              % (args.epoch, steps, hud_out.count(b"\n")))
        print("  %-8s %10s %14s" % ("", "wall (s)", "peak RSS (MB)"))
        print("  %-8s %10.2f %14.0f" % ("hud", hud_wall, hud_rss))
        print("  %-8s %10.2f %14.0f" % ("python", py_wall, py_rss))
        print("  python / hud: %.0fx the wall time" % (py_wall / hud_wall))
        print("microseconds per training step (a %d,000-step run, the scalar engine's %d,000, less a 1,000-step one):"
              % (args.short, 20 * args.short))
        lstm = ["--embed", "1", "--model", "lstm", "--lang", "reber"]
        for name, argv, thousands in [
            # The scalar engine's steps are too quick to time in a short run.
            ("SRN a^n b^n, hud, scalar engine", hud + ["--engine", "scalar"], 20 * args.short),
            ("SRN a^n b^n, hud, tensors", hud + ["--engine", "tensor"], args.short),
            ("SRN a^n b^n, Python", python, args.short),
            ("LSTM embedded Reber, hud", hud + lstm, args.short),
            ("LSTM embedded Reber, Python", python + lstm, args.short),
        ]:
            lang = [] if "--lang" in argv else ["--lang", "anbn"]
            one, _, _ = measure(argv + lang + ["--seed", "0", "--epoch", "1"], work)
            more, _, _ = measure(argv + lang + ["--seed", "0", "--epoch", str(thousands)], work)
            per_step = (more - one) / ((thousands - 1) * 1000) * 1e6
            print("  %-32s %9.1f" % (name, per_step))


if __name__ == "__main__":
    main()
