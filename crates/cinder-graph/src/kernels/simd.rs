//! Run-time choice of the wider vector unit for the host kernels' inner loops (used by
//! cinder-nn's sparse and fused kernels and cinder-vision's channels-last convolutions).
//!
//! The crates are built for baseline x86-64 (SSE2, four floats per instruction) so that their
//! binaries run on any x86-64 CPU. [`with_avx512!`] defines a kernel twice — as built, and
//! compiled for AVX-512 (F, DQ, BW, VL: sixteen floats, eight 64-bit multiplies per
//! instruction) — and calls the second when the CPU has it. Both run
//! the same operations in the same order (Rust never contracts a multiply and an add into an
//! FMA), so the results are the same bits on every CPU.

/// `with_avx512!(fn name(args) => body)`: `name` calls `body` compiled for AVX-512 when the CPU
/// has it (detected once by std and cached), the baseline build of `body` otherwise. `body`
/// should be `#[inline(always)]`, so each build gets its own copy of the loop.
#[macro_export]
macro_rules! with_avx512 {
    ($(#[$meta:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) => $body:path) => {
        $(#[$meta])*
        #[inline(never)]
        $vis fn $name($($arg: $ty),*) {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f,avx512dq,avx512bw,avx512vl")]
                unsafe fn wide($($arg: $ty),*) {
                    $body($($arg),*)
                }
                if std::arch::is_x86_feature_detected!("avx512f")
                    && std::arch::is_x86_feature_detected!("avx512dq")
                    && std::arch::is_x86_feature_detected!("avx512bw")
                    && std::arch::is_x86_feature_detected!("avx512vl")
                {
                    // SAFETY: the CPU has every feature `wide` is compiled for.
                    return unsafe { wide($($arg),*) };
                }
            }
            $body($($arg),*)
        }
    };
}
