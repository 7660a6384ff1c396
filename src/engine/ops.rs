//! ATen operations that tch binds without all their arguments, through the small C++ file beside this
//! one (`src/engine/ops.cpp`, compiled by build.rs against the same libtorch).

use anyhow::Result;
use std::ffi::{c_char, CStr};
use tch::Tensor;
use torch_sys::C_tensor;

extern "C" {
    fn hud_add_scaled_(tensor: *mut C_tensor, other: *const C_tensor, alpha: f64) -> *mut c_char;
    fn hud_addcmul_(tensor: *mut C_tensor, a: *const C_tensor, b: *const C_tensor, value: f64)
        -> *mut c_char;
    fn hud_addcdiv_(tensor: *mut C_tensor, a: *const C_tensor, b: *const C_tensor, value: f64)
        -> *mut c_char;
    fn hud_free_error(message: *mut c_char);
    fn hud_cpu_float_lanes() -> i32;
    fn hud_save_state(
        names: *const *const c_char,
        tensors: *const *const C_tensor,
        count: i32,
        data: *mut *mut c_char,
        size: *mut usize,
    ) -> *mut c_char;
    fn hud_load_state(
        data: *const c_char,
        size: usize,
        names: *const *const c_char,
        count: i32,
        tensors: *mut *mut C_tensor,
    ) -> *mut c_char;
}

/// `torch.save(state_dict)`'s bytes for these named tensors, in order: what Python's `torch.load`
/// reads back as a dict (and `net.load_state_dict` takes).
pub fn save_state(named: &[(&str, &Tensor)]) -> Result<Vec<u8>> {
    let names: Vec<std::ffi::CString> =
        named.iter().map(|(n, _)| std::ffi::CString::new(*n)).collect::<Result<_, _>>()?;
    let name_ptrs: Vec<*const c_char> = names.iter().map(|n| n.as_ptr()).collect();
    let tensor_ptrs: Vec<*const C_tensor> = named.iter().map(|(_, t)| t.as_ptr()).collect();
    let (mut data, mut size) = (std::ptr::null_mut(), 0usize);
    // SAFETY: the arrays hold `named.len()` live pointers for the call; ops.cpp mallocs `data`.
    check(unsafe {
        hud_save_state(name_ptrs.as_ptr(), tensor_ptrs.as_ptr(), named.len() as i32, &mut data, &mut size)
    })?;
    // SAFETY: data holds size bytes, malloc'ed by ops.cpp, freed here after copying.
    let bytes = unsafe { std::slice::from_raw_parts(data as *const u8, size) }.to_vec();
    unsafe { hud_free_error(data) };
    Ok(bytes)
}

/// The tensors `names` of a state dict that `torch.save` (or [`save_state`]) wrote.
pub fn load_state(bytes: &[u8], names: &[&str]) -> Result<Vec<Tensor>> {
    let owned: Vec<std::ffi::CString> =
        names.iter().map(|n| std::ffi::CString::new(*n)).collect::<Result<_, _>>()?;
    let name_ptrs: Vec<*const c_char> = owned.iter().map(|n| n.as_ptr()).collect();
    let mut tensors: Vec<*mut C_tensor> = vec![std::ptr::null_mut(); names.len()];
    // SAFETY: bytes and the arrays are live for the call; each returned pointer is a new at::Tensor.
    check(unsafe {
        hud_load_state(
            bytes.as_ptr() as *const c_char,
            bytes.len(),
            name_ptrs.as_ptr(),
            names.len() as i32,
            tensors.as_mut_ptr(),
        )
    })?;
    // SAFETY: each pointer is a heap at::Tensor that tch now owns.
    Ok(tensors.into_iter().map(|t| unsafe { Tensor::from_ptr(t) }).collect())
}

fn check(error: *mut c_char) -> Result<()> {
    if error.is_null() {
        return Ok(());
    }
    // SAFETY: a non-null result is a NUL-terminated string that ops.cpp allocated for us to free.
    let message = unsafe { CStr::from_ptr(error) }.to_string_lossy().into_owned();
    unsafe { hud_free_error(error) };
    Err(crate::libtorch_error(&message))
}

/// `tensor.add_(other, alpha=alpha)`: `tensor + alpha * other` in one ATen kernel, as Python's
/// optimisers compute it.
pub fn add_scaled_(tensor: &mut Tensor, other: &Tensor, alpha: f64) -> Result<()> {
    // SAFETY: both handles are live tch tensors, i.e. `at::Tensor *`, borrowed for the call.
    check(unsafe { hud_add_scaled_(tensor.as_mut_ptr(), other.as_ptr(), alpha) })
}

/// `tensor.addcmul_(a, b, value=value)`: `tensor + value * a * b`, ATen's kernel (fused on the CPU).
pub fn addcmul_(tensor: &mut Tensor, a: &Tensor, b: &Tensor, value: f64) -> Result<()> {
    // SAFETY: as for add_scaled_.
    check(unsafe { hud_addcmul_(tensor.as_mut_ptr(), a.as_ptr(), b.as_ptr(), value) })
}

/// `tensor.addcdiv_(a, b, value=value)`: `tensor + value * a / b`, ATen's kernel.
pub fn addcdiv_(tensor: &mut Tensor, a: &Tensor, b: &Tensor, value: f64) -> Result<()> {
    // SAFETY: as for add_scaled_.
    check(unsafe { hud_addcdiv_(tensor.as_mut_ptr(), a.as_ptr(), b.as_ptr(), value) })
}

/// The number of elements at the start of a contiguous float tensor of `numel` elements that an
/// elementwise CPU kernel computes in its vector loop; the rest it computes one by one, and for some
/// functions (`sigmoid`: a vectorised `exp` against `std::exp`) the two differ in the last bit.
pub fn cpu_vector_loop_len(numel: i64) -> i64 {
    // SAFETY: a plain query of libtorch's dispatch state.
    let step = 2 * i64::from(unsafe { hud_cpu_float_lanes() });
    numel - numel % step
}

/// `x.sigmoid()` of a `[runs, ...]` stack, each run's elements computed on the CPU by the same path
/// (vector loop or scalar tail) as they would be in a contiguous tensor of that run alone.
pub fn sigmoid_per_run(x: &Tensor) -> Tensor {
    if x.device() != tch::Device::Cpu {
        return x.sigmoid();
    }
    let runs = x.size()[0];
    let flat = x.reshape([runs, -1]);
    let per_run = flat.size()[1];
    let vector_len = cpu_vector_loop_len(per_run);
    if vector_len == per_run || runs == 1 {
        return x.sigmoid();
    }
    if vector_len == 0 {
        // All scalar, as for a lone run; but [runs, per_run] is contiguous, and the kernel would run its
        // vector loop over it as one long row. Writing into a transposed output makes the kernel's inner
        // loop step across runs, where the input is not contiguous, so it takes the scalar loop.
        let out_t = Tensor::empty([per_run, runs], (x.kind(), x.device()));
        let _ = flat.sigmoid_out(&out_t.tr());
        return out_t.tr().contiguous().view(x.size().as_slice());
    }
    // Each row's first vector_len elements in its vector loop, the rest (narrower than one step of
    // that loop) in scalar code.
    let out = flat.empty_like();
    for (start, len) in [(0, vector_len), (vector_len, per_run - vector_len)] {
        if len > 0 {
            let _ = flat.narrow(1, start, len).sigmoid_out(&out.narrow(1, start, len));
        }
    }
    out.view(x.size().as_slice())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::nn::OptimizerConfig;
    use tch::{Device, Kind};

    #[test]
    fn add_scaled_is_the_kernel_of_add_with_alpha() {
        let (a, b) = crate::engine::model::seeded(0, || {
            (
                Tensor::randn([1000], (Kind::Float, Device::Cpu)),
                Tensor::randn([1000], (Kind::Float, Device::Cpu)),
            )
        });
        let mut ours = a.copy();
        add_scaled_(&mut ours, &b, -0.37).unwrap();
        // libtorch's C++ SGD without momentum runs `p.add_(grad, -lr)`, the call Python makes.
        let vs = tch::nn::VarStore::new(Device::Cpu);
        let p = vs.root().var_copy("p", &a);
        let mut sgd = tch::nn::Sgd::default().build(&vs, 0.37).unwrap();
        sgd.zero_grad();
        (&p * &b).sum(Kind::Float).backward();
        sgd.step();
        assert!(ours.equal(&p.detach()));
        // Multiplying first, then adding, rounds twice: in vector kernels that differs in the last bit
        // somewhere, since the kernel's vector loop fuses the two; ATen's scalar kernels (the portable
        // ones) round twice as well.
        let rounded_twice = &a + &b * -0.37;
        let vector_kernels = crate::engine::kernels::Kernels::here().aten != "DEFAULT";
        assert_eq!(ours.equal(&rounded_twice), !vector_kernels);

        let mut wrong_shape = Tensor::from_slice(&[1.0f32; 3]);
        let err = add_scaled_(&mut wrong_shape, &b, 1.0).unwrap_err().to_string();
        assert!(err.starts_with("libtorch: ") && err.contains("size"), "{err}");
    }
}
