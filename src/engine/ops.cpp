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
#include <dlfcn.h>
#include <torch/csrc/jit/serialization/export.h>
#include <torch/csrc/jit/serialization/pickle.h>
#include <torch/headeronly/version.h>

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

// The CPU capability ATen dispatches its kernels to: "DEFAULT", "AVX2", "AVX512" (as Python's
// torch.backends.cpu.get_cpu_capability() says). Fixed at the first dispatch, from ATEN_CPU_CAPABILITY.
char *hud_cpu_capability() { return strdup(at::get_cpu_capability().c_str()); }

// The version of the libtorch this binary runs with, e.g. "2.11.0".
const char *hud_torch_version() { return TORCH_VERSION; }

// MKL's conditional-numerical-reproducibility branch in force (mkl_cbwr_get(MKL_CBWR_BRANCH): 1 off,
// 2 AUTO, 3 COMPATIBLE, ...), read through the MKL service function libtorch_cpu exports; -1 when this
// libtorch has no MKL. MKL fixes it from MKL_CBWR at its first call.
int hud_mkl_cbwr_branch() {
  using Get = int (*)(int);
  auto get = reinterpret_cast<Get>(dlsym(RTLD_DEFAULT, "mkl_serv_cbwr_get"));
  return get ? get(1) : -1;
}

// MKL's vector math (VML), called as ATen calls it on float tensors (`at::vml`: high accuracy, no
// flushing of denormals, errors ignored): `tanh` and `sqrt` there are MKL's `vmsTanh` and `vmsSqrt`,
// which round differently from glibc (MKL's sqrt is not the correctly rounded one). `which`: 0 tanh,
// 1 sqrt. Returns -1 when this libtorch has no MKL.
int hud_vml(int which, int n, const float *in, float *out) {
  using Vml = void (*)(int, const float *, float *, long long);
  static const Vml functions[2] = {reinterpret_cast<Vml>(dlsym(RTLD_DEFAULT, "vmsTanh")),
                                   reinterpret_cast<Vml>(dlsym(RTLD_DEFAULT, "vmsSqrt"))};
  if (which < 0 || which > 1 || !functions[which]) {
    return -1;
  }
  const long long high_accuracy = 0x2, denormals_kept = 0x140000, errors_ignored = 0x100;
  functions[which](n, in, out, high_accuracy | denormals_kept | errors_ignored);
  return 0;
}

// A state dict as Python's `torch.save(net.state_dict(), path)` writes it (a dict of named tensors,
// in order, in PyTorch's zip format), into a malloc'ed buffer for the caller to free.
char *hud_save_state(const char **names, const at::Tensor **tensors, int count, char **data, size_t *size) {
  return guarded([&] {
    c10::Dict<std::string, at::Tensor> state;
    for (int i = 0; i < count; ++i) {
      state.insert(names[i], *tensors[i]);
    }
    // torch::jit::pickle_save, without the type tags it puts on a dict, which Python's torch.load
    // refuses by default (weights_only) since PyTorch 2.6.
    std::vector<char> pickled, bytes;
    torch::jit::Pickler pickler(
        [&](const char *buffer, size_t size) { pickled.insert(pickled.end(), buffer, buffer + size); },
        nullptr, nullptr, nullptr, nullptr, /*tag_aggregates=*/false);
    pickler.protocol();
    pickler.pushIValue(state);
    pickler.stop();
    caffe2::serialize::PyTorchStreamWriter writer([&](const void *buffer, size_t size) -> size_t {
      const char *start = static_cast<const char *>(buffer);
      bytes.insert(bytes.end(), start, start + size);
      return size;
    });
    torch::jit::writeArchiveAndTensors("data", pickled.data(), pickled.size(), pickler.tensorData(), writer);
    writer.writeEndOfFile();
    *data = static_cast<char *>(malloc(bytes.size()));
    memcpy(*data, bytes.data(), bytes.size());
    *size = bytes.size();
  });
}

// The tensors `names` of a state dict saved by `torch.save` (or hud_save_state), each a new tensor
// for the caller (tch) to own.
char *hud_load_state(const char *data, size_t size, const char **names, int count, at::Tensor **tensors) {
  return guarded([&] {
    const auto loaded = torch::jit::pickle_load(std::vector<char>(data, data + size));
    TORCH_CHECK(loaded.isGenericDict(), "not a state dict: a ", loaded.tagKind());
    const auto dict = loaded.toGenericDict();
    for (int i = 0; i < count; ++i) {
      const auto found = dict.find(std::string(names[i]));
      TORCH_CHECK(found != dict.end(), "no tensor '", names[i], "' in the state dict");
      TORCH_CHECK(found->value().isTensor(), "'", names[i], "' is not a tensor");
      tensors[i] = new at::Tensor(found->value().toTensor());
    }
  });
}

// Whether src/engine/portable_sqrt.c is preloaded (its marker symbol is found).
int hud_portable_sqrt_loaded() { return dlsym(RTLD_DEFAULT, "hud_portable_sqrt") != nullptr; }

void hud_free_error(char *message) { free(message); }
}
