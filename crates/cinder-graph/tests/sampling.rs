//! The neighbour sampler: true neighbours, counts, uniformity, determinism across thread
//! counts, block composition, and weights that equal the full operators with `Fanout::All`.

use cinder_graph::{
    Block, BlockWeights, Direction, Fanout, FullAggregation, GcnNormalization, Graph, InNeighbours,
    NeighbourSampler, SampledBatch, gcn_normalization, splitmix64,
};

/// A random directed graph without parallel edges: some isolated nodes, some self-loops.
fn random_graph(nodes: usize, edges: usize, seed: u64) -> Graph {
    let mut seen = std::collections::HashSet::new();
    let mut pairs = Vec::new();
    let mut state = seed;
    while pairs.len() < edges {
        state = splitmix64(state);
        let source = (state % (nodes as u64 - 3)) as usize; // the last 3 nodes send nothing
        state = splitmix64(state);
        let target = (state % (nodes as u64 - 3)) as usize; // and receive nothing
        if seen.insert((source, target)) {
            pairs.push((source, target));
        }
    }
    Graph::from_edges(nodes, pairs, Direction::Directed).unwrap()
}

fn sample(csr: &InNeighbours, seeds: &[u32], fanouts: &[Fanout], seed: u64) -> SampledBatch {
    NeighbourSampler::new(csr, fanouts.to_vec(), BlockWeights::Mean)
        .sample(seeds, seed)
        .unwrap()
}

#[test]
fn sampled_neighbours_are_true_in_neighbours_and_counts_are_min_of_fanout_and_degree() {
    let graph = random_graph(300, 3000, 1);
    let csr = InNeighbours::from_graph(&graph).unwrap();
    let seeds: Vec<u32> = (0..300).step_by(7).collect();
    let batch = sample(&csr, &seeds, &[Fanout::Sample(5), Fanout::Sample(3)], 42);
    let fanouts = [3usize, 5]; // blocks are input layer first: blocks[0] used fanouts[1]
    for (block, &fanout) in batch.blocks.iter().zip(&fanouts) {
        for row in 0..block.destinations {
            let node = block.source_nodes[row] as usize;
            let entries = &block.indices[block.indptr[row]..block.indptr[row + 1]];
            assert_eq!(entries.len(), fanout.min(csr.degree(node)), "node {node}");
            let globals: Vec<u32> = entries
                .iter()
                .map(|&c| block.source_nodes[c as usize])
                .collect();
            let mut distinct = globals.clone();
            distinct.sort_unstable();
            distinct.dedup();
            assert_eq!(distinct.len(), globals.len(), "without replacement");
            for j in globals {
                assert!(
                    csr.neighbours(node).contains(&j),
                    "{j} is not an in-neighbour of {node}"
                );
            }
        }
    }
}

#[test]
fn blocks_compose_and_destinations_lead_their_sources() {
    let graph = random_graph(200, 1500, 2);
    let csr = InNeighbours::from_graph(&graph).unwrap();
    let seeds = vec![5u32, 17, 3, 150];
    let batch = sample(
        &csr,
        &seeds,
        &[Fanout::Sample(4), Fanout::Sample(4), Fanout::All],
        7,
    );
    assert_eq!(batch.blocks.len(), 3);
    assert_eq!(batch.blocks[2].destination_nodes(), seeds.as_slice());
    assert_eq!(batch.seeds, seeds);
    assert_eq!(batch.input_nodes, batch.blocks[0].source_nodes);
    for pair in batch.blocks.windows(2) {
        assert_eq!(pair[0].destination_nodes(), pair[1].source_nodes.as_slice());
    }
    for block in &batch.blocks {
        let mut distinct = block.source_nodes.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), block.source_nodes.len());
        assert!(
            block
                .indices
                .iter()
                .all(|&c| (c as usize) < block.source_nodes.len())
        );
    }
}

#[test]
fn the_same_seed_gives_the_same_batches_with_one_and_two_threads() {
    let graph = random_graph(2000, 30000, 3);
    let csr = InNeighbours::from_graph(&graph).unwrap();
    let seeds: Vec<u32> = (0..2000).step_by(3).collect();
    let fanouts = [Fanout::Sample(10), Fanout::Sample(10)];
    let run = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| sample(&csr, &seeds, &fanouts, 99))
    };
    let one = run(1);
    assert_eq!(one, run(2));
    assert_ne!(
        one,
        sample(&csr, &seeds, &fanouts, 100),
        "another seed, other batches"
    );
}

#[test]
fn sampling_is_uniform_on_a_star() {
    // Node 0 receives from 1..=20; draw 5 of 20 many times: each leaf is kept with p = 1/4.
    let leaves = 20usize;
    let graph = Graph::from_edges(
        leaves + 1,
        (1..=leaves)
            .map(|leaf| (leaf, 0))
            .collect::<Vec<(usize, usize)>>(),
        Direction::Directed,
    )
    .unwrap();
    let csr = InNeighbours::from_graph(&graph).unwrap();
    let mut sampler = NeighbourSampler::new(&csr, vec![Fanout::Sample(5)], BlockWeights::Mean);
    let trials = 20_000usize;
    let mut counts = vec![0usize; leaves + 1];
    for trial in 0..trials {
        let batch = sampler.sample(&[0], trial as u64).unwrap();
        let block = &batch.blocks[0];
        for &column in &block.indices {
            counts[block.source_nodes[column as usize] as usize] += 1;
        }
    }
    let expected = (trials * 5) as f64 / leaves as f64;
    let chi_square: f64 = counts[1..]
        .iter()
        .map(|&c| (c as f64 - expected).powi(2) / expected)
        .sum();
    // 19 degrees of freedom: the 0.999 quantile is 43.8.
    assert!(
        chi_square < 43.8,
        "chi-square {chi_square:.1}, counts {counts:?}"
    );
}

fn dense_rows(block: &Block) -> Vec<Vec<f32>> {
    let mut rows = vec![vec![0.0; block.source_nodes.len()]; block.destinations];
    for (row, out) in rows.iter_mut().enumerate() {
        for k in block.indptr[row]..block.indptr[row + 1] {
            out[block.indices[k] as usize] += block.weights[k];
        }
    }
    rows
}

#[test]
fn with_all_neighbours_gcn_blocks_are_the_full_gcn_operator() {
    let graph = random_graph(120, 700, 4);
    let csr = InNeighbours::from_graph(&graph).unwrap();
    let full = gcn_normalization(&graph, GcnNormalization::default()).unwrap();
    let seeds: Vec<u32> = (0..120).collect();
    let block = NeighbourSampler::new(&csr, vec![Fanout::All], BlockWeights::Gcn)
        .sample(&seeds, 0)
        .unwrap()
        .blocks
        .remove(0);
    let rows = dense_rows(&block);
    for (row, values) in full.outer_iterator().enumerate() {
        let mut expected = vec![0.0f32; 120];
        for (column, &value) in values.iter() {
            expected[column] += value;
        }
        for column in 0..120 {
            // source_nodes[..120] are the seeds 0..120 in order.
            assert!(
                (rows[row][column] - expected[column]).abs() < 1e-6,
                "({row}, {column}): {} vs {}",
                rows[row][column],
                expected[column]
            );
        }
    }
}

#[test]
fn sampled_gcn_rows_are_rescaled_to_the_full_degree() {
    // Node 0 has 20 in-neighbours of degree 1 and no self-loop: d̂₀ = 21, d̂ⱼ = 1 (j sends only).
    let graph = Graph::from_edges(
        21,
        (1..=20).map(|j| (j, 0)).collect::<Vec<(usize, usize)>>(),
        Direction::Directed,
    )
    .unwrap();
    let csr = InNeighbours::from_graph(&graph).unwrap();
    let block = NeighbourSampler::new(&csr, vec![Fanout::Sample(5)], BlockWeights::Gcn)
        .sample(&[0], 3)
        .unwrap()
        .blocks
        .remove(0);
    let total: f32 = block.weights.iter().sum();
    let exact = 1.0 / 21.0 + 20.0 / 21f32.sqrt();
    assert!((total - exact).abs() < 1e-5, "{total} vs {exact}");
    assert_eq!(block.nnz(), 6);
}

#[test]
fn full_aggregation_equals_the_dense_product_with_the_all_neighbour_block() {
    let graph = random_graph(80, 500, 5);
    let csr = InNeighbours::from_graph(&graph).unwrap();
    let width = 3;
    let h: Vec<f32> = (0..80 * width).map(|v| (v as f32 * 0.37).sin()).collect();
    for weights in [BlockWeights::Mean, BlockWeights::Gcn] {
        let block = NeighbourSampler::new(&csr, vec![Fanout::All], weights)
            .sample(&(0..80).collect::<Vec<u32>>(), 0)
            .unwrap()
            .blocks
            .remove(0);
        let aggregated = FullAggregation::new(&csr, weights).dense(&h, width, 10..80);
        for (offset, row) in dense_rows(&block)[10..].iter().enumerate() {
            for c in 0..width {
                let expected: f32 = row
                    .iter()
                    .enumerate()
                    .map(|(local, w)| w * h[block.source_nodes[local] as usize * width + c])
                    .sum();
                let got = aggregated[offset * width + c];
                assert!(
                    (got - expected).abs() < 1e-5,
                    "{weights:?}: {got} vs {expected}"
                );
            }
        }
    }
}

#[test]
fn bad_seeds_and_fanouts_are_refused() {
    let graph = random_graph(50, 200, 6);
    let csr = InNeighbours::from_graph(&graph).unwrap();
    let mut sampler = NeighbourSampler::new(&csr, vec![Fanout::Sample(2)], BlockWeights::Mean);
    let error = sampler.sample(&[1, 50], 0).unwrap_err().to_string();
    assert!(error.contains("seed nodes[1] = 50"), "{error}");
    let error = sampler.sample(&[1, 2, 1], 0).unwrap_err().to_string();
    assert!(error.contains("node 1 appears twice"), "{error}");
    // The sampler is still usable after a refused batch.
    assert_eq!(sampler.sample(&[1, 2], 0).unwrap().seeds, vec![1, 2]);
    assert_eq!(
        Fanout::parse_list("10, -1").unwrap(),
        vec![Fanout::Sample(10), Fanout::All]
    );
    for bad in ["", "10,0", "a", "-2"] {
        assert!(Fanout::parse_list(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn block_aggregation_reads_the_features_in_place_with_or_without_own_rows() {
    let graph = random_graph(100, 800, 8);
    let csr = InNeighbours::from_graph(&graph).unwrap();
    let width = 4;
    let values: Vec<f32> = (0..100 * width).map(|v| (v as f32 * 0.11).cos()).collect();
    let dense = cinder_graph::FeatureMatrix::dense(100, width, values.clone()).unwrap();
    // The same features stored sparsely (every third value zeroed).
    let sparse_values: Vec<f32> = values
        .iter()
        .enumerate()
        .map(|(k, &v)| if k % 3 == 0 { 0.0 } else { v })
        .collect();
    let sparse_dense =
        cinder_graph::FeatureMatrix::dense(100, width, sparse_values.clone()).unwrap();
    let mut triplets = sprs::TriMat::<f32>::new((100, width));
    for (k, &v) in sparse_values.iter().enumerate() {
        if v != 0.0 {
            triplets.add_triplet(k / width, k % width, v);
        }
    }
    let sparse_matrix: sprs::CsMat<f32> = triplets.to_csr();
    let sparse = cinder_graph::FeatureMatrix::sparse(&sparse_matrix).unwrap();
    let batch = NeighbourSampler::new(&csr, vec![Fanout::Sample(3)], BlockWeights::Mean)
        .sample(&[4, 50, 77], 5)
        .unwrap();
    let block = &batch.blocks[0];
    for (features, flat) in [
        (&dense, &values),
        (&sparse_dense, &sparse_values),
        (&sparse, &sparse_values),
    ] {
        let joined = cinder_graph::aggregate_block(block, features, true);
        let plain = cinder_graph::aggregate_block(block, features, false);
        for (row, weights) in dense_rows(block).iter().enumerate() {
            for c in 0..width {
                let expected: f32 = weights
                    .iter()
                    .enumerate()
                    .map(|(local, w)| w * flat[block.source_nodes[local] as usize * width + c])
                    .sum();
                assert!((plain[row * width + c] - expected).abs() < 1e-6);
                assert!((joined[row * 2 * width + c] - expected).abs() < 1e-6);
                let own = flat[block.source_nodes[row] as usize * width + c];
                assert_eq!(joined[row * 2 * width + width + c], own);
            }
        }
    }
}

#[test]
fn full_blocks_equal_the_edge_list_operators_with_parallel_edges_and_self_loops() {
    // Parallel edges 1 → 0 (twice), a self-loop on 2, an isolated node 4.
    let graph = Graph::from_edges(
        5,
        vec![(1, 0), (1, 0), (2, 0), (2, 2), (3, 2), (0, 3), (2, 1)],
        Direction::Directed,
    )
    .unwrap();
    let csr = InNeighbours::from_graph(&graph).unwrap();
    let check = |block: Block, expected: cinder_graph::SparseMatrix, what: &str| {
        let rows = dense_rows(&block);
        for (row, values) in expected.outer_iterator().enumerate() {
            let mut dense = [0.0f32; 5];
            for (column, &value) in values.iter() {
                dense[column] += value;
            }
            for column in 0..5 {
                assert!(
                    (rows[row][column] - dense[column]).abs() < 1e-6,
                    "{what} ({row}, {column}): {} vs {}",
                    rows[row][column],
                    dense[column]
                );
            }
        }
    };
    check(
        Block::full(&csr, BlockWeights::Gcn),
        gcn_normalization(&graph, GcnNormalization::default()).unwrap(),
        "gcn",
    );
    check(
        Block::full(&csr, BlockWeights::Mean),
        cinder_graph::random_walk_normalization(&graph, false).unwrap(),
        "mean",
    );
}
