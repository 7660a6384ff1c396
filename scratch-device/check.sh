#!/usr/bin/env bash
# On the device: every fixture in the portable kernels (now with the IEEE sqrt), the Zen 4 traces, and
# hud seq's engines against PyTorch in the portable kernels.
hud=./hud-device
torch_lib=$(python3 -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')
export LD_LIBRARY_PATH="$torch_lib"
grep -m1 "model name" /proc/cpuinfo
which cc gcc 2>&1 | head -2
$hud verify 2>&1 | grep -v ": exact in" | tail -5
$hud --portable verify tests/data/portable-zen4/*.json 2>&1 | tail -2
python3 scratch-device/vmlhash.py
env ATEN_CPU_CAPABILITY=default MKL_CBWR=COMPATIBLE OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 MKL_DYNAMIC=FALSE OMP_DYNAMIC=FALSE LD_PRELOAD=$(ls ~/.cache/hud/portable-sqrt-*.so | head -1) python3 scratch-device/vmlhash.py
HUD=$hud PYTHON=python3 OUT=$OUT/gpu STEPS="8" bash scripts/gpu-check 2>&1 | tail -16
