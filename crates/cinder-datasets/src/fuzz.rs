//! Fuzzing every parser with random and mutated bytes (proptest, a short run on every `cargo test`):
//! no panic, no hang, no allocation sized by an unchecked length field. Seeds are real files
//! (shipped in `datasets/`) and hand-made pickles/npy headers; mutations flip, insert, delete,
//! truncate and inflate digits (to provoke huge counts).

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
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<usize>(), proptest::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(i, bytes)| Mutation::Insert(i, bytes)),
        (any::<usize>(), 1usize..64).prop_map(|(i, n)| Mutation::Delete(i, n)),
        any::<usize>().prop_map(Mutation::Truncate),
        any::<usize>().prop_map(Mutation::Inflate),
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
            let _ = crate::mesh::parse_off(&apply(&seed, &mutations), path);
        }
        for seed in [shipped("meshes/spider.obj", 3000), random.clone()] {
            let _ = crate::mesh::parse_obj(&apply(&seed, &mutations), path);
        }
        for seed in [shipped("meshes/cube_binary.ply", 4096), shipped("meshes/cube.ply", 4096), random] {
            if let Ok(mesh) = crate::ply::parse_ply(&apply(&seed, &mutations), path) {
                let _ = mesh.to_graph(path);
            }
        }
    }

    #[test]
    fn sdf_parser_never_panics(mutations in proptest::collection::vec(mutation(), 0..6)) {
        let seed = shipped("solubility/solubility.test.sdf", 6000);
        let bytes = apply(&seed, &mutations);
        let text = String::from_utf8_lossy(&bytes);
        let _ = crate::sdf::parse_sdf(&text, Path::new("fuzz.sdf"), "SOL_classification");
    }

    #[test]
    fn pickle_and_npy_decoders_never_panic(
        mutations in proptest::collection::vec(mutation(), 0..6),
        random in proptest::collection::vec(any::<u8>(), 0..256),
    ) {
        for seed in [pickle_seed(), random.clone()] {
            if let Ok(value) = crate::pickle::parse(&apply(&seed, &mutations)) {
                let _ = crate::pickle::numpy_array(&value);
                let _ = crate::pickle::scipy_csr(&value);
            }
        }
        for seed in [npy_seed(), random.clone()] {
            let _ = crate::npy::parse_npy(&apply(&seed, &mutations));
        }
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        for name in ["tiny_graph.npz", "tiny_graph_deflated.npz"] {
            let seed = std::fs::read(fixtures.join(name)).unwrap();
            if let Ok(members) = crate::npz::read_zip(&apply(&seed, &mutations), Path::new(name)) {
                for content in members.values() {
                    let _ = crate::npy::parse_npy(content);
                }
            }
        }
        let _ = crate::npz::read_zip(&random, Path::new("random.npz"));
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
        let _ = crate::gin_text::load_gin_text(&directory.join("G.txt"));
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
        let _ = crate::tu::load_tu(&directory, "G");
        std::fs::write(directory.join("edges.csv"), apply(&shipped("karate/edges.csv", 600), &mutations)).unwrap();
        std::fs::write(directory.join("nodes.csv"), apply(&shipped("karate/nodes.csv", 300), &mutations)).unwrap();
        let _ = crate::csv_graph::load_csv_graph(&directory, cinder_graph::Direction::Undirected);
        std::fs::remove_dir_all(&directory).unwrap();
    }
}
