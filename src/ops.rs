//! ATen operations that tch binds without all their arguments, through the small C++ file beside this
//! one (`src/ops.cpp`, compiled by build.rs against the same libtorch).

use anyhow::{anyhow, Result};
use std::ffi::{c_char, CStr};
use tch::Tensor;
use torch_sys::C_tensor;

extern "C" {
    fn hud_add_scaled_(tensor: *mut C_tensor, other: *const C_tensor, alpha: f64) -> *mut c_char;
    fn hud_free_error(message: *mut c_char);
}

fn check(error: *mut c_char) -> Result<()> {
    if error.is_null() {
        return Ok(());
    }
    // SAFETY: a non-null result is a NUL-terminated string that ops.cpp allocated for us to free.
    let message = unsafe { CStr::from_ptr(error) }.to_string_lossy().into_owned();
    unsafe { hud_free_error(error) };
    Err(anyhow!("libtorch: {}", crate::without_backtrace(&message)))
}

/// `tensor.add_(other, alpha=alpha)`: `tensor + alpha * other` in one ATen kernel, as Python's
/// optimisers compute it.
pub fn add_scaled_(tensor: &mut Tensor, other: &Tensor, alpha: f64) -> Result<()> {
    // SAFETY: both handles are live tch tensors, i.e. `at::Tensor *`, borrowed for the call.
    check(unsafe { hud_add_scaled_(tensor.as_mut_ptr(), other.as_ptr(), alpha) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_scaled_rounds_once_like_python() {
        let mut a = Tensor::from_slice(&[1.0f32; 20]);
        let b = Tensor::from_slice(&[0.1f32; 20]);
        add_scaled_(&mut a, &b, -0.4).unwrap();
        assert_eq!(Vec::<f32>::try_from(&a).unwrap()[0], 0.96);
        let mut wrong_shape = Tensor::from_slice(&[1.0f32; 3]);
        let err = add_scaled_(&mut wrong_shape, &b, 1.0).unwrap_err().to_string();
        assert!(err.starts_with("libtorch: ") && err.contains("size"), "{err}");
    }
}
