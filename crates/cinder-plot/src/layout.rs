//! Force-directed graph layout (Fruchterman & Reingold 1991): edges pull their endpoints together,
//! all node pairs push apart, and a cooling temperature bounds each step.

/// Positions in the unit square for `num_nodes` nodes joined by `edges`, deterministic for a
/// `seed`. Cost `O(iterations · n²)`: the iteration count shrinks for large graphs so a few
/// thousand nodes take about a second.
pub fn force_directed_layout(
    num_nodes: usize,
    edges: &[(usize, usize)],
    seed: u64,
) -> Vec<[f64; 2]> {
    if num_nodes == 0 {
        return Vec::new();
    }
    let mut state = seed ^ 0x9e37_79b9_7f4a_7c15;
    let mut random = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut positions: Vec<[f64; 2]> = (0..num_nodes).map(|_| [random(), random()]).collect();
    let k = (1.0 / num_nodes as f64).sqrt();
    let iterations = (2e8 / (num_nodes * num_nodes) as f64).clamp(30.0, 300.0) as usize;
    let mut temperature = 0.1;
    let cooling = temperature / iterations as f64;
    let mut displacement = vec![[0.0f64; 2]; num_nodes];
    for _ in 0..iterations {
        displacement.iter_mut().for_each(|d| *d = [0.0, 0.0]);
        for i in 0..num_nodes {
            for j in (i + 1)..num_nodes {
                let delta = [
                    positions[i][0] - positions[j][0],
                    positions[i][1] - positions[j][1],
                ];
                let distance = (delta[0] * delta[0] + delta[1] * delta[1]).sqrt().max(1e-6);
                let force = k * k / distance;
                for axis in 0..2 {
                    let push = delta[axis] / distance * force;
                    displacement[i][axis] += push;
                    displacement[j][axis] -= push;
                }
            }
        }
        for &(a, b) in edges {
            if a >= num_nodes || b >= num_nodes || a == b {
                continue;
            }
            let delta = [
                positions[a][0] - positions[b][0],
                positions[a][1] - positions[b][1],
            ];
            let distance = (delta[0] * delta[0] + delta[1] * delta[1]).sqrt().max(1e-6);
            let force = distance * distance / k;
            for axis in 0..2 {
                let pull = delta[axis] / distance * force;
                displacement[a][axis] -= pull;
                displacement[b][axis] += pull;
            }
        }
        for (position, moved) in positions.iter_mut().zip(&displacement) {
            let length = (moved[0] * moved[0] + moved[1] * moved[1])
                .sqrt()
                .max(1e-12);
            let step = length.min(temperature);
            position[0] += moved[0] / length * step;
            position[1] += moved[1] / length * step;
        }
        temperature -= cooling;
    }
    // Rescale into [0, 1] x [0, 1].
    let (mut low, mut high) = ([f64::MAX; 2], [f64::MIN; 2]);
    for p in &positions {
        for axis in 0..2 {
            low[axis] = low[axis].min(p[axis]);
            high[axis] = high[axis].max(p[axis]);
        }
    }
    positions
        .iter()
        .map(|p| {
            let scale = |axis: usize| {
                let span = high[axis] - low[axis];
                if span > 1e-12 {
                    (p[axis] - low[axis]) / span
                } else {
                    0.5
                }
            };
            [scale(0), scale(1)]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connected_nodes_end_closer_than_unconnected_ones() {
        // Two triangles joined by nothing: within-triangle distances are smaller.
        let edges = [(0, 1), (1, 2), (2, 0), (3, 4), (4, 5), (5, 3)];
        let p = force_directed_layout(6, &edges, 1);
        let distance =
            |a: usize, b: usize| ((p[a][0] - p[b][0]).powi(2) + (p[a][1] - p[b][1]).powi(2)).sqrt();
        let within = (distance(0, 1) + distance(3, 4)) / 2.0;
        let across = (distance(0, 3) + distance(1, 4)) / 2.0;
        assert!(within < across, "within {within} across {across}");
        assert_eq!(p, force_directed_layout(6, &edges, 1));
    }
}
