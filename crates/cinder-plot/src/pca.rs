//! Principal component analysis to two dimensions, for embedding scatters.

/// Projects `rows x columns` row-major `data` onto its two leading principal components (of the
/// centred data), found by power iteration with deflation on the covariance matrix. Deterministic.
pub fn pca_2d(data: &[f32], rows: usize, columns: usize) -> Vec<[f64; 2]> {
    if rows == 0 || columns == 0 || data.len() != rows * columns {
        return Vec::new();
    }
    let mut mean = vec![0.0f64; columns];
    for row in data.chunks_exact(columns) {
        for (m, &v) in mean.iter_mut().zip(row) {
            *m += f64::from(v) / rows as f64;
        }
    }
    let centred: Vec<f64> = data
        .chunks_exact(columns)
        .flat_map(|row| row.iter().zip(&mean).map(|(&v, m)| f64::from(v) - m))
        .collect();
    let mut covariance = vec![0.0f64; columns * columns];
    for row in centred.chunks_exact(columns) {
        for i in 0..columns {
            if row[i] == 0.0 {
                continue;
            }
            for j in 0..columns {
                covariance[i * columns + j] += row[i] * row[j];
            }
        }
    }
    let mut components: Vec<Vec<f64>> = Vec::new();
    for k in 0..2 {
        // A fixed, non-degenerate start vector.
        let mut vector: Vec<f64> = (0..columns)
            .map(|i| 1.0 + ((i * 7 + k * 3) % 11) as f64 / 10.0)
            .collect();
        // Start orthogonal to the components found: if no variance is left, this direction is
        // kept, and it still projects to (near) zero spread.
        orthonormalize(&mut vector, &components);
        for _ in 0..200 {
            let mut next = vec![0.0f64; columns];
            for i in 0..columns {
                next[i] = (0..columns)
                    .map(|j| covariance[i * columns + j] * vector[j])
                    .sum();
            }
            if !orthonormalize(&mut next, &components) {
                break;
            }
            vector = next;
        }
        components.push(vector);
    }
    centred
        .chunks_exact(columns)
        .map(|row| {
            let project = |c: &Vec<f64>| row.iter().zip(c).map(|(a, b)| a * b).sum::<f64>();
            [project(&components[0]), project(&components[1])]
        })
        .collect()
}

/// Removes from `vector` its parts along the (orthonormal) `components` and scales it to unit
/// length; `false` (vector unchanged in direction) when almost nothing is left.
fn orthonormalize(vector: &mut [f64], components: &[Vec<f64>]) -> bool {
    for component in components {
        let dot: f64 = vector.iter().zip(component).map(|(a, b)| a * b).sum();
        for (v, c) in vector.iter_mut().zip(component) {
            *v -= dot * c;
        }
    }
    let norm = vector.iter().map(|v| v * v).sum::<f64>().sqrt();
    if norm < 1e-12 {
        return false;
    }
    vector.iter_mut().for_each(|v| *v /= norm);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_on_a_tilted_line_spread_along_the_first_component() {
        // y = 2x + noise-free offset in 3-D: all variance on one direction.
        let data: Vec<f32> = (0..20)
            .flat_map(|i| [i as f32, 2.0 * i as f32, 5.0])
            .collect();
        let projected = pca_2d(&data, 20, 3);
        let spread = |k: usize| {
            let values: Vec<f64> = projected.iter().map(|p| p[k]).collect();
            values.iter().fold(f64::MIN, |a, &b| a.max(b))
                - values.iter().fold(f64::MAX, |a, &b| a.min(b))
        };
        assert!(
            (spread(0) - 19.0 * 5f64.sqrt()).abs() < 1e-6,
            "{}",
            spread(0)
        );
        assert!(spread(1) < 1e-6);
    }
}
