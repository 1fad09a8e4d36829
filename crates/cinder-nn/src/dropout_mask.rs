//! The seeded dropout mask kernel: element `i`'s keep-or-drop decision depends only on
//! `(seed, i)`, so masks are drawn in parallel, identical whatever the thread count, and can be
//! regenerated for a backward pass instead of stored. Shared by the generic dropout
//! (`dropout.rs`), the Flex kernels (`flex.rs`) and attention dropout.

use cinder_graph::par_zeroed_chunks;

use crate::random::mix;

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
    let (output_groups, output_rest) = output.as_chunks_mut::<4>();
    let (input_groups, input_rest) = input.as_chunks::<4>();
    for (group, (o, x)) in output_groups.iter_mut().zip(input_groups).enumerate() {
        let bits = mix(base.wrapping_add(group as u64));
        for lane in 0..4 {
            let kept = (bits >> (16 * lane)) & 0xffff >= threshold;
            o[lane] = x[lane] * if kept { keep } else { 0.0 };
        }
    }
    let bits = mix(base.wrapping_add(output_groups.len() as u64));
    for (lane, (o, x)) in output_rest.iter_mut().zip(input_rest).enumerate() {
        let kept = (bits >> (16 * lane)) & 0xffff >= threshold;
        *o = x * if kept { keep } else { 0.0 };
    }
}

/// [`mask_block`] in place: `values[i] *= mᵢ` for one block (`values[0]` is the block's first
/// element), the block's generator state `base`.
pub(crate) fn mask_block_in_place(values: &mut [f32], base: u64, keep: f32, threshold: u64) {
    let (groups, rest) = values.as_chunks_mut::<4>();
    for (group, v) in groups.iter_mut().enumerate() {
        let bits = mix(base.wrapping_add(group as u64));
        for (lane, v) in v.iter_mut().enumerate() {
            let kept = (bits >> (16 * lane)) & 0xffff >= threshold;
            *v *= if kept { keep } else { 0.0 };
        }
    }
    let bits = mix(base.wrapping_add(groups.len() as u64));
    for (lane, v) in rest.iter_mut().enumerate() {
        let kept = (bits >> (16 * lane)) & 0xffff >= threshold;
        *v *= if kept { keep } else { 0.0 };
    }
}

/// `len` mask values: the scale `mᵢ` of every element: 0 (probability `p`) or `1 / (1 - p)`.
pub(crate) fn mask(len: usize, p: f32, seed: u64) -> Vec<f32> {
    masked_copy(&vec![1.0f32; len], p, seed)
}
