// The portable kernels' square root. ATen's float and double `sqrt` call MKL's vector sqrt
// (vmsSqrt, vmdSqrt), and MKL's COMPATIBLE branch computes it differently on AMD and on Intel CPUs
// (measured: every other vector function ATen calls gives the same bits on both). Loaded with
// LD_PRELOAD in the portable kernels, this library takes the place of those two functions (libtorch
// calls them through its PLT) with the correctly rounded square root, the same on every x86-64 CPU,
// in PyTorch and in hud alike. Built by build.rs; `fixtures/hud_kernels.py` builds it for Python.
#include <math.h>

// Its presence says the portable square root is in force (hud and hud_kernels.py look it up).
int hud_portable_sqrt = 1;

void vmsSqrt(int n, const float *a, float *r, long long mode) {
  (void)mode;
  for (int i = 0; i < n; ++i) {
    r[i] = sqrtf(a[i]);
  }
}

void vmdSqrt(int n, const double *a, double *r, long long mode) {
  (void)mode;
  for (int i = 0; i < n; ++i) {
    r[i] = sqrt(a[i]);
  }
}
