//! The seeded dropout mask kernel: element `i`'s keep-or-drop decision depends only on
//! `(seed, i)`, so masks are drawn in parallel, identical whatever the thread count, and can be
//! regenerated for a backward pass instead of stored. Shared by the generic dropout
//! (`dropout.rs`), the Flex kernels (`flex.rs`) and attention dropout.

use cinder_graph::par_zeroed_chunks;

use crate::init::mix;
use cinder_graph::with_avx512;

/// Elements per independently seeded block of the mask.
pub(crate) const BLOCK: usize = 1 << 14;

/// `output[i] = input[i] · mᵢ` with `mᵢ = 0` (probability `p`) or `1 / (1 - p)`. The decision for
/// element `i` depends only on `(seed, i)`: one 64-bit hash gives four 16-bit uniforms, so the
/// same mask can be regenerated for the backward pass instead of stored.
pub(crate) fn masked_copy(input: &[f32], p: f32, seed: u64) -> Vec<f32> {
    let keep = 1.0 / (1.0 - p);
    let threshold = (f64::from(p) * 65536.0).round() as u64;
    par_zeroed_chunks(input.len(), BLOCK, 1, |block, output| {
        let start = block * BLOCK;
        mask_block(
            output,
            &input[start..start + output.len()],
            mix(seed ^ mix(block as u64 + 1)),
            keep,
            threshold,
        );
    })
}

/// One block of [`masked_copy`]. The scale and threshold are plain values here (not captured
/// by reference), so the loop keeps them in registers: this kernel was a quarter of a sampled
/// SAGE epoch when it reloaded them for every element.
#[inline(never)]
fn mask_block(output: &mut [f32], input: &[f32], base: u64, keep: f32, threshold: u64) {
    output.copy_from_slice(input);
    mask_block_in_place(output, base, keep, threshold);
}

with_avx512!(
    /// [`mask_block`] in place: `values[i] *= mᵢ` for one block (`values[0]` is the block's
    /// first element), the block's generator state `base`. Element `i`'s uniform is bits
    /// `16·(i mod 4)` and up of hash `mix(base + i / 4)`. The hashes are 64-bit multiplies:
    /// with AVX-512 (DQ) eight run in one vector instruction.
    pub(crate) fn mask_block_in_place(values: &mut [f32], base: u64, keep: f32, threshold: u64)
        => mask_values
);

/// Elements per vector step: eight hashes of four 16-bit uniforms.
const STEP: usize = 32;

#[inline(always)]
fn mask_values(values: &mut [f32], base: u64, keep: f32, threshold: u64) {
    let (steps, rest) = values.as_chunks_mut::<STEP>();
    for (step, values) in steps.iter_mut().enumerate() {
        let mut uniforms = [0u16; STEP];
        for (group, uniforms) in uniforms.as_chunks_mut::<4>().0.iter_mut().enumerate() {
            let bits = mix(base.wrapping_add((step * STEP / 4 + group) as u64));
            for (lane, u) in uniforms.iter_mut().enumerate() {
                *u = (bits >> (16 * lane)) as u16;
            }
        }
        for (v, &u) in values.iter_mut().zip(&uniforms) {
            *v *= if u64::from(u) >= threshold { keep } else { 0.0 };
        }
    }
    let first_group = steps.len() * STEP / 4;
    for (group, values) in rest.chunks_mut(4).enumerate() {
        let bits = mix(base.wrapping_add((first_group + group) as u64));
        for (lane, v) in values.iter_mut().enumerate() {
            let kept = (bits >> (16 * lane)) & 0xffff >= threshold;
            *v *= if kept { keep } else { 0.0 };
        }
    }
}

/// `len` mask values: the scale `mᵢ` of every element: 0 (probability `p`) or `1 / (1 - p)`.
pub(crate) fn mask(len: usize, p: f32, seed: u64) -> Vec<f32> {
    masked_copy(&vec![1.0f32; len], p, seed)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition, one element at a time.
    fn reference(values: &[f32], base: u64, keep: f32, threshold: u64) -> Vec<f32> {
        values
            .iter()
            .enumerate()
            .map(|(i, &v)| {
                let uniform = (mix(base.wrapping_add((i / 4) as u64)) >> (16 * (i % 4))) & 0xffff;
                v * if uniform >= threshold { keep } else { 0.0 }
            })
            .collect()
    }

    #[test]
    fn every_path_draws_the_defined_mask() {
        for len in (0..70).chain([BLOCK - 3, BLOCK]) {
            let input: Vec<f32> = (0..len).map(|i| i as f32 - 20.5).collect();
            for (p, base) in [(0.5f32, 1u64), (0.1, u64::MAX - 3), (0.9, 77)] {
                let keep = 1.0 / (1.0 - p);
                let threshold = (f64::from(p) * 65536.0).round() as u64;
                let expected = reference(&input, base, keep, threshold);
                let mut dispatched = input.clone();
                mask_block_in_place(&mut dispatched, base, keep, threshold);
                let mut portable = input.clone();
                mask_values(&mut portable, base, keep, threshold);
                let mut copied = vec![0.0; len];
                mask_block(&mut copied, &input, base, keep, threshold);
                assert_eq!(dispatched, expected, "dispatched, length {len}, p {p}");
                assert_eq!(portable, expected, "portable, length {len}, p {p}");
                assert_eq!(copied, expected, "copy, length {len}, p {p}");
            }
        }
    }
}
