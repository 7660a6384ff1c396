"""The measurement behind the portable kernels' square root: a hash of the bits PyTorch's float
tanh, sqrt, exp, log and sigmoid give over 100,000 values (and tanh over 1,000 tensors of 2), in
MKL's COMPATIBLE kernels under several MKL settings, with and without the portable sqrt preloaded.
Run it on two CPUs and compare the lines: on an AMD EPYC (Zen 4) and an Intel Xeon every column is
the same except sqrt without the preload (src/engine/portable_sqrt.c, docs/parity.md).

    python scripts/vml_hashes.py            # the installed PyTorch (scripts/setup.sh's HUD_PYTHON)
"""
import hashlib
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))
import hud_kernels  # noqa: E402

SETTINGS = [
    {"MKL_CBWR": "COMPATIBLE"},
    {"MKL_CBWR": "COMPATIBLE,STRICT"},
    {"MKL_CBWR": "SSE2"},
    {"MKL_CBWR": "COMPATIBLE", "MKL_ENABLE_INSTRUCTIONS": "SSE4_2"},
    {"MKL_CBWR": "COMPATIBLE", "LD_PRELOAD": "portable sqrt"},
]


def hashes():
    import torch
    torch.manual_seed(0)
    x = torch.randn(100000) * 3
    functions = [("tanh", torch.tanh), ("sqrt", lambda t: torch.sqrt(t.abs())), ("exp", torch.exp),
                 ("log", lambda t: torch.log(t.abs() + 1e-3)), ("sigmoid", torch.sigmoid),
                 ("tanh2", lambda t: torch.cat([torch.tanh(t[i:i + 2]) for i in range(0, 2000, 2)]))]
    return " ".join("%s:%s" % (name, hashlib.sha1(fn(x).numpy().tobytes()).hexdigest()[:10]) for name, fn in functions)


def main():
    if os.environ.get("HUD_VML_CHILD"):
        print(hashes())
        return
    print("cpu: %s" % hud_kernels.cpu_model())
    base = {k: v for k, v in hud_kernels.PORTABLE_ENV.items() if k != "MKL_CBWR"}
    for setting in SETTINGS:
        env = dict(os.environ, HUD_VML_CHILD="1", **base)
        for key in ["LD_PRELOAD", "MKL_ENABLE_INSTRUCTIONS"]:
            env.pop(key, None)
        env.update(setting)
        if "LD_PRELOAD" in setting:
            env["LD_PRELOAD"] = hud_kernels.portable_sqrt_library()
        line = subprocess.run([sys.executable, __file__], env=env, check=True, capture_output=True, text=True)
        label = " ".join("%s=%s" % (k, "(portable sqrt)" if k == "LD_PRELOAD" else v) for k, v in setting.items())
        print("%-55s %s" % (label, line.stdout.strip()))


if __name__ == "__main__":
    main()
