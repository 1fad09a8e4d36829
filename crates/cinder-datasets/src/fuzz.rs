//! Fuzzing every parser with random and mutated bytes (proptest, a short run on every `cargo test`):
//! no panic, no hang, no allocation sized by an unchecked length field. Seeds are real files
//! (shipped in `datasets/`) and hand-made pickles/npy headers; mutations flip, insert, delete,
//! truncate, inflate digits (to provoke huge counts) and replace numbers (ids, labels, counts,
//! split codes) by hostile values: -1, NaN, 1e300, 0.9, 2^31-1, 2^32 and the like. Structured
//! fuzzers also write `.npy` headers with arbitrary shapes and dtypes and mutate the arrays of a
//! real `.npz` graph (sizes, indptr, indices, labels) before it is built.

use std::path::Path;

use proptest::prelude::*;

/// A mutation applied to seed bytes.
#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
    Truncate(usize),
    /// Replaces a digit by a long run of nines.
    Inflate(usize),
    /// Replaces the i-th number of the text by a hostile value.
    ReplaceNumber(usize, &'static str),
}

/// Values that ids, labels, counts and split codes must survive.
const HOSTILE: [&str; 12] = [
    "-1",
    "nan",
    "1e300",
    "0.9",
    "-0.5",
    "inf",
    "99999999999999",
    "2147483647",
    "4294967296",
    "4000000000",
    "18446744073709551615",
    "0",
];

/// Starts and ends of the runs of ASCII digits in `bytes`.
fn number_spans(bytes: &[u8]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut k = 0;
    while k < bytes.len() {
        if bytes[k].is_ascii_digit() {
            let start = k;
            while k < bytes.len() && (bytes[k].is_ascii_digit() || bytes[k] == b'.') {
                k += 1;
            }
            spans.push((start, k));
        } else {
            k += 1;
        }
    }
    spans
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<usize>(), proptest::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(i, bytes)| Mutation::Insert(i, bytes)),
        (any::<usize>(), 1usize..64).prop_map(|(i, n)| Mutation::Delete(i, n)),
        any::<usize>().prop_map(Mutation::Truncate),
        any::<usize>().prop_map(Mutation::Inflate),
        (any::<usize>(), proptest::sample::select(HOSTILE.to_vec()))
            .prop_map(|(i, value)| Mutation::ReplaceNumber(i, value)),
    ]
}

fn apply(seed: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    for mutation in mutations {
        if bytes.is_empty() {
            break;
        }
        let at = |i: usize, len: usize| i % len;
        match mutation {
            Mutation::Flip(i, b) => {
                let i = at(*i, bytes.len());
                bytes[i] ^= b | 1;
            }
            Mutation::Insert(i, new) => {
                let i = at(*i, bytes.len());
                bytes.splice(i..i, new.iter().copied());
            }
            Mutation::Delete(i, n) => {
                let i = at(*i, bytes.len());
                let end = (i + n).min(bytes.len());
                bytes.drain(i..end);
            }
            Mutation::Truncate(i) => bytes.truncate(at(*i, bytes.len())),
            Mutation::Inflate(i) => {
                let digits: Vec<usize> = (0..bytes.len())
                    .filter(|&k| bytes[k].is_ascii_digit())
                    .collect();
                if !digits.is_empty() {
                    let k = digits[at(*i, digits.len())];
                    bytes.splice(k..=k, b"99999999999".iter().copied());
                }
            }
            Mutation::ReplaceNumber(i, value) => {
                let spans = number_spans(&bytes);
                if !spans.is_empty() {
                    let (start, end) = spans[at(*i, spans.len())];
                    bytes.splice(start..end, value.bytes());
                }
            }
        }
    }
    bytes
}

fn shipped(relative: &str, limit: usize) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../datasets")
        .join(relative);
    let mut bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    bytes.truncate(limit);
    bytes
}

/// A small valid pickle of what Planetoid files hold: a dict of int lists, a float, a string.
fn pickle_seed() -> Vec<u8> {
    // protocol 2: {0: [1, 2], 1: [0]} ; then a tuple with a float and a unicode string.
    let mut bytes = vec![
        0x80, 2, b'}', b'q', 0, b'(', b'K', 0, b']', b'(', b'K', 1, b'K', 2, b'e',
    ];
    bytes.extend_from_slice(&[b'K', 1, b']', b'K', 0, b'a', b'u', b'.']);
    bytes
}

fn npy_seed() -> Vec<u8> {
    let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    let mut padded = header.to_string();
    while !(10 + padded.len() + 1).is_multiple_of(64) {
        padded.push(' ');
    }
    padded.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&(padded.len() as u16).to_le_bytes());
    bytes.extend_from_slice(padded.as_bytes());
    for value in [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0] {
        bytes.extend_from_slice(&value.to_le_bytes());
    }
    bytes
}

/// 200 cases per parser on every test run; `CINDER_FUZZ_CASES=N` runs longer.
fn fuzz_config() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("CINDER_FUZZ_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(200),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(fuzz_config())]

    #[test]
    fn mesh_parsers_never_panic(
        mutations in proptest::collection::vec(mutation(), 0..6),
        random in proptest::collection::vec(any::<u8>(), 0..256),
    ) {
        let path = Path::new("fuzz");
        for seed in [shipped("meshes/Wuson.off", 2000), random.clone()] {
            let _ = crate::meshes::mesh::parse_off(&apply(&seed, &mutations), path);
        }
        for seed in [shipped("meshes/spider.obj", 3000), random.clone()] {
            let _ = crate::meshes::mesh::parse_obj(&apply(&seed, &mutations), path);
        }
        for seed in [shipped("meshes/cube_binary.ply", 4096), shipped("meshes/cube.ply", 4096), random] {
            if let Ok(mesh) = crate::meshes::ply::parse_ply(&apply(&seed, &mutations), path) {
                let _ = mesh.to_graph(path);
            }
        }
    }

    #[test]
    fn sdf_parser_never_panics(mutations in proptest::collection::vec(mutation(), 0..6)) {
        let seed = shipped("solubility/solubility.test.sdf", 6000);
        let bytes = apply(&seed, &mutations);
        let text = String::from_utf8_lossy(&bytes);
        let _ = crate::formats::sdf::parse_sdf(&text, Path::new("fuzz.sdf"), "SOL_classification");
    }

    #[test]
    fn pickle_and_npy_decoders_never_panic(
        mutations in proptest::collection::vec(mutation(), 0..6),
        random in proptest::collection::vec(any::<u8>(), 0..256),
    ) {
        for seed in [pickle_seed(), random.clone()] {
            if let Ok(value) = crate::arrays::pickle::parse(&apply(&seed, &mutations)) {
                let _ = crate::arrays::pickle::numpy_array(&value);
                let _ = crate::arrays::pickle::scipy_csr(&value);
            }
        }
        for seed in [npy_seed(), random.clone()] {
            let _ = crate::arrays::npy::parse_npy(&apply(&seed, &mutations));
        }
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        for name in ["tiny_graph.npz", "tiny_graph_deflated.npz"] {
            let seed = std::fs::read(fixtures.join(name)).unwrap();
            if let Ok(members) = crate::arrays::npz::read_zip(&apply(&seed, &mutations), Path::new(name)) {
                for content in members.values() {
                    let _ = crate::arrays::npy::parse_npy(content);
                }
            }
        }
        let _ = crate::arrays::npz::read_zip(&random, Path::new("random.npz"));
    }

    #[test]
    fn text_graph_formats_never_panic(mutations in proptest::collection::vec(mutation(), 0..6)) {
        let directory = std::env::temp_dir().join(format!(
            "cinder-fuzz-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::create_dir_all(&directory).unwrap();
        let gin = b"3\n2 0\n0 1 1\n1 1 0\n3 1\n0 2 1 2\n1 1 0\n2 1 0\n1 0\n5 0\n";
        std::fs::write(directory.join("G.txt"), apply(gin, &mutations)).unwrap();
        let _ = crate::formats::gin_text::load_gin_text(&directory.join("G.txt"));
        let tu = [
            ("G_A.txt", &b"1, 2\n2, 1\n2, 3\n3, 2\n"[..]),
            ("G_graph_indicator.txt", b"1\n1\n2\n"),
            ("G_graph_labels.txt", b"1\n-1\n"),
            ("G_node_labels.txt", b"0\n1\n0\n"),
        ];
        for (index, (name, content)) in tu.iter().enumerate() {
            let content = if index == mutations.len() % tu.len() {
                apply(content, &mutations)
            } else {
                content.to_vec()
            };
            std::fs::write(directory.join(name), content).unwrap();
        }
        let _ = crate::formats::tu::load_tu(&directory, "G");
        std::fs::write(directory.join("edges.csv"), apply(&shipped("karate/edges.csv", 600), &mutations)).unwrap();
        std::fs::write(directory.join("nodes.csv"), apply(&shipped("karate/nodes.csv", 300), &mutations)).unwrap();
        let _ = crate::formats::csv_graph::load_csv_graph(&directory, cinder_graph::Direction::Undirected);
        node_formats_keep_ids_and_labels_in_range(&directory, &mutations);
        std::fs::remove_dir_all(&directory).unwrap();
    }

    #[test]
    fn npy_headers_never_request_more_than_the_data(
        dimensions in proptest::collection::vec(
            prop_oneof![0u64..8, any::<u64>(), Just(1u64 << 50)],
            0..4,
        ),
        descr in proptest::sample::select(vec!["<f4", "<f8", "<i8", "|i1", "<u2", "|b1", "|O", "<U5", "<f0", "<i9", ">f8"]),
        data in proptest::collection::vec(any::<u8>(), 0..96),
    ) {
        let shape: Vec<String> = dimensions.iter().map(u64::to_string).collect();
        let bytes = crate::arrays::npy::npy_bytes(descr, &format!("({},)", shape.join(", ")), &data);
        if let Ok(array) = crate::arrays::npy::parse_npy(&bytes) {
            let elements: usize = array.shape.iter().product();
            prop_assert_eq!(array.values.len(), elements);
            prop_assert!(elements <= data.len());
        }
    }

    #[test]
    fn npz_graph_arrays_with_hostile_sizes_and_ids_never_panic(
        edits in proptest::collection::vec(
            (0usize..7, any::<usize>(), prop_oneof![
                proptest::sample::select(vec![-1.0, f64::NAN, 1e300, 0.5, 2147483647.0, 4294967296.0, 1099511627776.0, f64::INFINITY]),
                (0u8..8).prop_map(f64::from),
            ], any::<bool>()),
            1..5,
        ),
    ) {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny_graph.npz");
        let mut arrays = crate::arrays::npz::load_npz(&path).unwrap();
        let names = ["adj_shape", "adj_indptr", "adj_indices", "adj_data", "attr_indptr", "attr_indices", "labels"];
        for (array, position, value, resize) in edits {
            let Some((shape, values)) = arrays.get_mut(names[array]) else { continue };
            if resize {
                // A size field that disagrees with the data: one entry more or fewer.
                if position % 2 == 0 { values.push(value) } else { values.pop(); }
                *shape = vec![values.len()];
            } else if !values.is_empty() {
                let k = position % values.len();
                values[k] = value;
            }
        }
        if let Ok(graph) = crate::arrays::npz::npz_graph(&arrays, &path) {
            let nodes = graph.num_nodes();
            prop_assert!(nodes <= arrays["adj_indptr"].1.len());
            if let Some(labels) = graph.node_labels() {
                prop_assert!(labels.iter().all(|&l| l < nodes));
            }
        }
    }
}

/// Graph-directory CSV files, a MUSAE triple and fold files, each mutated in turn: whatever loads
/// has every edge, label and fold index in range.
fn node_formats_keep_ids_and_labels_in_range(directory: &Path, mutations: &[Mutation]) {
    let graph_directory = [
        ("edges.csv", &b"0,1\n1,0\n1,2\n2,1\n"[..]),
        ("features.csv", b"1.0,0.0\n0.5,0.5\n0.0,1.0\n"),
        ("labels.csv", b"0\n1\n1\n"),
        ("split.csv", b"0\n1\n2\n"),
    ];
    let musae = [
        (
            "M_target.csv",
            &b"id,mature,new_id\n7,True,0\n8,False,2\n9,True,1\n"[..],
        ),
        ("M_edges.csv", b"from,to\n0,1\n1,2\n"),
        ("M.json", b"{\"0\": [0, 3], \"1\": [1], \"2\": [2, 3]}"),
    ];
    let folds = [
        ("train_idx-1.txt", &b"0\n1\n"[..]),
        ("test_idx-1.txt", b"2\n"),
        ("train_idx-2.txt", b"1\n2\n"),
        ("test_idx-2.txt", b"0\n"),
    ];
    // Which file is mutated: spread over all eleven by the mutations themselves.
    let target = format!("{mutations:?}").len();
    let folds_directory = directory.join("2fold_idx");
    std::fs::create_dir_all(&folds_directory).unwrap();
    for (index, (name, content)) in graph_directory
        .iter()
        .chain(&musae)
        .chain(&folds)
        .enumerate()
    {
        let content = if index % 11 == target % 11 {
            apply(content, mutations)
        } else {
            content.to_vec()
        };
        let folder = if name.contains("_idx-") {
            &folds_directory
        } else {
            directory
        };
        std::fs::write(folder.join(name), content).unwrap();
    }
    let graph_directory = crate::formats::graph_directory::load_graph_directory(directory);
    let musae = crate::formats::musae::load_musae(directory, "M", "mature");
    let folds = crate::formats::gin_text::load_folds(&folds_directory, 3);
    if mutations.is_empty() {
        // The seeds themselves are valid: the fuzzer starts from files that load.
        assert!(graph_directory.is_ok() && musae.is_ok() && folds.is_ok());
    }
    if let Ok(loaded) = graph_directory {
        let nodes = loaded.graph.num_nodes();
        assert!(
            loaded
                .graph
                .node_labels()
                .is_some_and(|l| l.iter().all(|&l| l < nodes))
        );
        let split = [
            &loaded.split.train,
            &loaded.split.validation,
            &loaded.split.test,
        ];
        assert!(split.iter().all(|part| part.iter().all(|&n| n < nodes)));
    }
    if let Ok(graph) = musae {
        assert!(graph.num_nodes() <= 3);
    }
    if let Ok(folds) = folds {
        assert_eq!(folds.len(), 2);
        assert!(
            folds
                .iter()
                .all(|f| f.train.iter().chain(&f.test).all(|&g| g < 3))
        );
    }
}
