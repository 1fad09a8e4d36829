//! Output buffers for the parallel kernels, zeroed where they are filled.
//!
//! `vec![0.0; len]` zeroes a whole buffer on the calling thread before any parallel work starts:
//! for the tens of megabytes a mini-batch kernel writes, that serial pass costs about as much
//! as the parallel pass after it, and it leaves the other cores idle. Here each chunk is zeroed
//! by the thread that then fills it, while the chunk is in its cache.

use std::mem::MaybeUninit;

use rayon::prelude::*;

/// A buffer of `len` values built in parallel: chunk `i` (values `i·chunk ..`, the last one
/// possibly shorter) is zeroed and then passed to `fill(i, chunk)`. Rayon gives each task at
/// least `min_chunks` chunks. A `chunk` of 0 is treated as 1.
pub fn par_zeroed_chunks<F>(len: usize, chunk: usize, min_chunks: usize, fill: F) -> Vec<f32>
where
    F: Fn(usize, &mut [f32]) + Sync + Send,
{
    let mut values: Vec<f32> = Vec::with_capacity(len);
    values.spare_capacity_mut()[..len]
        .par_chunks_mut(chunk.max(1))
        .with_min_len(min_chunks.max(1))
        .enumerate()
        .for_each(|(index, part)| {
            for value in part.iter_mut() {
                value.write(0.0);
            }
            // SAFETY: every element of `part` was initialized just above, and
            // `MaybeUninit<f32>` has the same layout as `f32`.
            let part = unsafe { &mut *(part as *mut [MaybeUninit<f32>] as *mut [f32]) };
            fill(index, part);
        });
    // SAFETY: the chunks cover `values[..len]`, and every one was initialized above.
    unsafe { values.set_len(len) };
    values
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_chunk_starts_at_zero_and_keeps_what_fill_wrote() {
        let values = par_zeroed_chunks(1003, 10, 3, |index, part| {
            assert!(part.iter().all(|&v| v == 0.0));
            assert_eq!(part.len(), if index == 100 { 3 } else { 10 });
            part[0] = index as f32 + 1.0;
        });
        assert_eq!(values.len(), 1003);
        for (i, &v) in values.iter().enumerate() {
            let expected = if i % 10 == 0 {
                (i / 10) as f32 + 1.0
            } else {
                0.0
            };
            assert_eq!(v, expected, "value {i}");
        }
        assert!(par_zeroed_chunks(0, 4, 1, |_, _| panic!("no chunks")).is_empty());
        assert_eq!(
            par_zeroed_chunks(5, 0, 0, |_, part| part[0] = 1.0),
            vec![1.0; 5]
        );
    }
}
