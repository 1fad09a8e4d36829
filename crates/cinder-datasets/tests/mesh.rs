//! Meshes shipped in `datasets/meshes/` (assimp's test models, BSD-3-Clause) → graphs whose edges
//! are the unique polygon edges, checked against an independent count; malformed meshes are named.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use cinder_datasets::{DatasetError, load_mesh, load_mesh_graph, parse_obj, parse_off, parse_ply};

fn mesh_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../datasets/meshes")
        .join(name)
}

/// Unique undirected edges of an OFF file's faces, counted with a hash set straight from the text.
fn off_unique_edges(text: &str) -> usize {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let counts: Vec<usize> = lines[1]
        .split_whitespace()
        .map(|t| t.parse().unwrap())
        .collect();
    let mut edges = HashSet::new();
    for line in &lines[2 + counts[0]..2 + counts[0] + counts[1]] {
        let ids: Vec<u32> = line
            .split_whitespace()
            .map(|t| t.parse().unwrap())
            .collect();
        let face = &ids[1..=ids[0] as usize];
        for i in 0..face.len() {
            let (a, b) = (face[i], face[(i + 1) % face.len()]);
            if a != b {
                edges.insert((a.min(b), a.max(b)));
            }
        }
    }
    edges.len()
}

#[test]
fn wuson_off_becomes_a_graph_of_its_unique_face_edges() {
    let path = mesh_file("Wuson.off");
    let graph = load_mesh_graph(&path).unwrap();
    assert_eq!(graph.num_nodes(), 3205);
    let expected = off_unique_edges(&std::fs::read_to_string(&path).unwrap());
    assert_eq!(graph.num_edges(), expected);
    // A closed-ish triangle mesh: E ≈ 1.5 F.
    assert!(graph.num_edges() > 3732 && graph.num_edges() < 3 * 3732);
    let features = graph.node_features().unwrap();
    assert_eq!(features.columns(), 3);
    assert_eq!(features.to_dense().row(0), &[0.0, 0.498178, -0.2783]);
}

#[test]
fn spider_obj_resolves_slash_references_and_normals() {
    let path = mesh_file("spider.obj");
    let text = std::fs::read_to_string(&path).unwrap();
    let vertices = text.lines().filter(|l| l.starts_with("v ")).count();
    let mesh = load_mesh(&path).unwrap();
    assert_eq!(mesh.positions.len(), vertices);
    assert_eq!(mesh.faces.len(), 1368);
    let mut edges = HashSet::new();
    for line in text.lines().filter(|l| l.starts_with("f ")) {
        let ids: Vec<usize> = line
            .split_whitespace()
            .skip(1)
            .map(|r| r.split('/').next().unwrap().parse::<usize>().unwrap() - 1)
            .collect();
        for i in 0..ids.len() {
            let (a, b) = (ids[i], ids[(i + 1) % ids.len()]);
            if a != b {
                edges.insert((a.min(b), a.max(b)));
            }
        }
    }
    let graph = mesh.to_graph(&path).unwrap();
    assert_eq!(graph.num_edges(), edges.len());
    let columns = graph.node_features().unwrap().columns();
    assert_eq!(columns, if mesh.normals.is_some() { 6 } else { 3 });
}

#[test]
fn ascii_and_binary_ply_cubes_agree() {
    let ascii = load_mesh(&mesh_file("cube.ply")).unwrap();
    let binary = load_mesh(&mesh_file("cube_binary.ply")).unwrap();
    assert_eq!(ascii.positions.len(), 8);
    assert_eq!(binary.positions.len(), 8);
    assert_eq!(binary.faces.len(), 12);
    // Quads (6 faces) and triangles (12 faces) of a cube share its 12 edges; the triangulation
    // adds one diagonal per side.
    assert_eq!(ascii.unique_edges().len(), 12);
    assert_eq!(binary.unique_edges().len(), 18);
    let graph = load_mesh_graph(&mesh_file("cube_binary.ply")).unwrap();
    assert_eq!(graph.degrees().iter().sum::<usize>(), 36);
}

#[test]
fn big_endian_ply_with_normals_and_extra_elements() {
    let mut bytes = b"ply\nformat binary_big_endian 1.0\nelement vertex 3\nproperty float x\nproperty float y\nproperty float z\nproperty float nx\nproperty float ny\nproperty float nz\nelement face 1\nproperty list uchar int vertex_indices\nelement edge 1\nproperty int vertex1\nproperty int vertex2\nend_header\n".to_vec();
    for v in 0..3 {
        for value in [v as f32, 1.0, 2.0, 0.0, 0.0, 1.0] {
            bytes.extend_from_slice(&value.to_be_bytes());
        }
    }
    bytes.push(3);
    for i in [0i32, 1, 2] {
        bytes.extend_from_slice(&i.to_be_bytes());
    }
    bytes.extend_from_slice(&0i32.to_be_bytes());
    bytes.extend_from_slice(&1i32.to_be_bytes());
    let mesh = parse_ply(&bytes, Path::new("triangle.ply")).unwrap();
    assert_eq!(mesh.positions[2], [2.0, 1.0, 2.0]);
    assert_eq!(mesh.normals.as_ref().unwrap()[1], [0.0, 0.0, 1.0]);
    let graph = mesh.to_graph(Path::new("triangle.ply")).unwrap();
    assert_eq!(
        (graph.num_edges(), graph.node_features().unwrap().columns()),
        (3, 6)
    );
}

fn message(error: DatasetError) -> String {
    error.to_string()
}

#[test]
fn malformed_meshes_are_named_errors() {
    let path = Path::new("bad.off");
    let missing_vertex =
        parse_off(b"OFF\n3 1 0\n0 0 0\n1 0 0\n0 1 0\n3 0 1 7\n", path).unwrap_err();
    assert!(message(missing_vertex).contains("line 6: face references vertex 7"));
    let truncated = parse_off(b"OFF\n3 1 0\n0 0 0\n1 0 0\n", path).unwrap_err();
    assert!(message(truncated).contains("after 2 of 3 vertices"));
    let huge = parse_off(b"OFF\n999999999 1 0\n", path).unwrap_err();
    assert!(message(huge).contains("exceed"));
    // Counts whose sum overflows (found by the fuzzer): an error, not a panic.
    let overflowing = parse_off(b"OFF\n18446744073709551615 1 0\n", path).unwrap_err();
    assert!(message(overflowing).contains("exceed"));
    let not_number = parse_off(b"OFF\n1 0 0\n0 zero 0\n", path).unwrap_err();
    assert!(message(not_number).contains("line 3: vertex y \"zero\""));

    let obj = Path::new("bad.obj");
    let out_of_range = parse_obj(b"v 0 0 0\nv 1 0 0\nf 1 2 3\n", obj).unwrap_err();
    assert!(message(out_of_range).contains("line 3: vertex reference 3 is out of range"));
    let relative = parse_obj(b"v 0 0 0\nv 1 0 0\nv 0 1 0\nf -3 -2 -1\n", obj).unwrap();
    assert_eq!(relative.faces, vec![vec![0, 1, 2]]);

    let ply = Path::new("bad.ply");
    let no_end = parse_ply(b"ply\nformat ascii 1.0\nelement vertex 1\n", ply).unwrap_err();
    assert!(message(no_end).contains("end_header"));
    let short = parse_ply(
        b"ply\nformat binary_little_endian 1.0\nelement vertex 2\nproperty float x\nproperty float y\nproperty float z\nend_header\n\0\0\0\0",
        ply,
    )
    .unwrap_err();
    let short = message(short);
    assert!(short.contains("data ends"), "{short}");
    let claims = parse_ply(
        b"ply\nformat ascii 1.0\nelement vertex 4000000000\nproperty float x\nend_header\n1\n",
        ply,
    )
    .unwrap_err();
    assert!(message(claims).contains("claims 4000000000 items"));
    let bad_face = parse_ply(
        b"ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nproperty float y\nproperty float z\nelement face 1\nproperty list uchar int vertex_indices\nend_header\n0 0 0\n3 0 0 5\n",
        ply,
    )
    .unwrap_err();
    assert!(message(bad_face).contains("face 0 references vertex 5"));
    assert!(load_mesh(Path::new("model.stl")).is_err());
}
