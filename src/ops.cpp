// ATen operations that tch 0.24 binds without all their arguments: `add_` without `alpha` and
// `addcmul_` / `addcdiv_` without `value`, which Python's optimisers use (`param.add_(grad, alpha=-lr)`,
// Adam's `addcmul_(grad, grad, value=1 - beta2)` and `addcdiv_(exp_avg, denom, value=-step_size)`). Parity needs the very kernel Python calls:
// ATen's add fuses the multiply and the add (one rounding) in its vector loop, so `param.add_(grad * -lr)`
// (two roundings) differs in the last bit. Each returns nullptr, or the error message (free it with
// hud_free_error); tch's tensor handles are `at::Tensor *`.
#include <ATen/Version.h>
#include <ATen/core/Tensor.h>
#include <cstdlib>
#include <cstring>

// Runs `op`, turning a C++ exception into the message for Rust (nullptr when it succeeded).
template <class Op> static char *guarded(Op op) {
  try {
    op();
    return nullptr;
  } catch (const std::exception &e) {
    return strdup(e.what());
  }
}

extern "C" {

char *hud_add_scaled_(at::Tensor *self, const at::Tensor *other, double alpha) {
  return guarded([&] { self->add_(*other, alpha); });
}

char *hud_addcmul_(at::Tensor *self, const at::Tensor *a, const at::Tensor *b, double value) {
  return guarded([&] { self->addcmul_(*a, *b, value); });
}

char *hud_addcdiv_(at::Tensor *self, const at::Tensor *a, const at::Tensor *b, double value) {
  return guarded([&] { self->addcdiv_(*a, *b, value); });
}

// How many floats one of ATen's CPU vector registers holds, for the capability its kernels were
// dispatched to: a vectorised loop runs in steps of two registers and finishes with scalar code.
int hud_cpu_float_lanes() {
  const std::string capability = at::get_cpu_capability();
  return capability == "AVX512" ? 16 : 8;
}

void hud_free_error(char *message) { free(message); }
}
