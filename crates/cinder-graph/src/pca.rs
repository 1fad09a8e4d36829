//! Principal component analysis of dense features, to shrink embeddings before they become node
//! features.

use crate::error::{GraphError, Result};

/// Projects `rows × dims` values (row-major) on their first `k` principal components: the data
/// are centred, the covariance's top eigenvectors found by power iteration with deflation
/// (deterministic start, 200 rounds or convergence to 1e-9), and each row's coordinates returned
/// (`rows × k`). Component signs are fixed so that each component's largest-magnitude weight is
/// positive.
pub fn pca_reduce(values: &[f32], rows: usize, dims: usize, k: usize) -> Result<Vec<f32>> {
    if values.len() != rows * dims {
        return Err(GraphError::LengthMismatch {
            field: "features",
            expected: rows * dims,
            actual: values.len(),
            per: "nodes",
        });
    }
    // Centred data span at most rows − 1 directions.
    let largest_rank = dims.min(rows.saturating_sub(1));
    if k == 0 || k > largest_rank {
        return Err(GraphError::InvalidParameter {
            name: "number of PCA components",
            reason: format!(
                "{k} components of {rows} rows of {dims}-d features: need 1 ≤ k ≤ {largest_rank} (at most min(dims, rows − 1) principal components exist)"
            ),
        });
    }
    let mut mean = vec![0.0f64; dims];
    for row in values.chunks(dims) {
        for (m, &v) in mean.iter_mut().zip(row) {
            *m += v as f64;
        }
    }
    for m in &mut mean {
        *m /= rows.max(1) as f64;
    }
    let mut covariance = vec![0.0f64; dims * dims];
    for row in values.chunks(dims) {
        let centred: Vec<f64> = row.iter().zip(&mean).map(|(&v, m)| v as f64 - m).collect();
        for i in 0..dims {
            let ci = centred[i];
            if ci == 0.0 {
                continue;
            }
            let line = &mut covariance[i * dims..(i + 1) * dims];
            for (c, &cj) in line.iter_mut().zip(&centred) {
                *c += ci * cj;
            }
        }
    }
    let trace: f64 = (0..dims).map(|i| covariance[i * dims + i]).sum();
    let mut components: Vec<Vec<f64>> = Vec::with_capacity(k);
    for index in 0..k {
        let mut eigenvalue = 0.0;
        let mut vector: Vec<f64> = (0..dims)
            .map(|j| 1.0 + ((j * 7 + index * 13) % 11) as f64 / 11.0)
            .collect();
        for _ in 0..200 {
            let mut next = vec![0.0f64; dims];
            for (i, n) in next.iter_mut().enumerate() {
                *n = covariance[i * dims..(i + 1) * dims]
                    .iter()
                    .zip(&vector)
                    .map(|(c, v)| c * v)
                    .sum();
            }
            for previous in &components {
                let dot: f64 = next.iter().zip(previous).map(|(a, b)| a * b).sum();
                for (n, p) in next.iter_mut().zip(previous) {
                    *n -= dot * p;
                }
            }
            let norm = next.iter().map(|v| v * v).sum::<f64>().sqrt();
            // For a unit eigenvector, |C v| is its eigenvalue (the variance it explains).
            eigenvalue = norm;
            if norm == 0.0 {
                break;
            }
            next.iter_mut().for_each(|v| *v /= norm);
            let change: f64 = next.iter().zip(&vector).map(|(a, b)| (a - b).abs()).sum();
            vector = next;
            if change < 1e-9 {
                break;
            }
        }
        // Beyond the data's rank only rounding noise is left: such a "component" explains no
        // variance and is not principal.
        if eigenvalue <= 1e-9 * trace {
            return Err(GraphError::InvalidParameter {
                name: "number of PCA components",
                reason: format!(
                    "{k} components requested, but the {rows} × {dims} features have rank {index} after centring: only {index} principal components exist"
                ),
            });
        }
        let largest = vector
            .iter()
            .copied()
            .fold(0.0f64, |a, v| if v.abs() > a.abs() { v } else { a });
        if largest < 0.0 {
            vector.iter_mut().for_each(|v| *v = -*v);
        }
        components.push(vector);
    }
    let mut out = Vec::with_capacity(rows * k);
    for row in values.chunks(dims) {
        for component in &components {
            let projection: f64 = row
                .iter()
                .zip(&mean)
                .zip(component)
                .map(|((&v, m), c)| (v as f64 - m) * c)
                .sum();
            out.push(projection as f32);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pca_finds_the_direction_of_largest_variance() {
        // Points along (1, 2, 0) with small noise in z: one component explains them.
        let values: Vec<f32> = (0..50)
            .flat_map(|i| {
                let t = i as f32 - 25.0;
                [t, 2.0 * t, 0.01 * ((i % 3) as f32 - 1.0)]
            })
            .collect();
        let reduced = pca_reduce(&values, 50, 3, 2).unwrap();
        assert_eq!(reduced.len(), 100);
        // First coordinate = t·√5 up to centring (the mean is -0.5·(1,2,0)).
        for i in 0..50 {
            let t = i as f32 - 25.0 + 0.5;
            assert!(
                (reduced[2 * i] - t * 5f32.sqrt()).abs() < 1e-3,
                "row {i}: {}",
                reduced[2 * i]
            );
            assert!(reduced[2 * i + 1].abs() < 0.02);
        }
        assert!(pca_reduce(&values, 50, 3, 4).is_err());
    }

    #[test]
    fn components_beyond_the_rank_are_refused_naming_the_rank() {
        // 40 points on a line in 3-D: rank 1 after centring.
        let line: Vec<f32> = (0..40)
            .flat_map(|i| [i as f32, 2.0 * i as f32, -(i as f32)])
            .collect();
        assert_eq!(pca_reduce(&line, 40, 3, 1).unwrap().len(), 40);
        let message = pca_reduce(&line, 40, 3, 2).unwrap_err().to_string();
        assert!(message.contains("rank 1"), "{message}");
        // 3 rows span at most 2 directions, whatever their width.
        let wide: Vec<f32> = (0..15).map(|i| ((i * 7) % 5) as f32).collect();
        let message = pca_reduce(&wide, 3, 5, 3).unwrap_err().to_string();
        assert!(message.contains("1 ≤ k ≤ 2"), "{message}");
    }
}
