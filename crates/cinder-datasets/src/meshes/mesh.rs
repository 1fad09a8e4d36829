//! 3-D mesh files: the OBJ and OFF parsers and [`load_mesh`], which picks the parser (PLY's is in
//! `ply.rs`) from the extension. Each produces a [`Mesh`] (`polygon_mesh.rs`), whose graph has the
//! vertices as nodes with their coordinates (and normals, where the file gives one per vertex) as
//! features.

use std::path::Path;

use cinder_graph::Graph;

use crate::error::{DatasetError, Result};
use crate::meshes::polygon_mesh::Mesh;

fn format_error(path: &Path, reason: impl Into<String>) -> DatasetError {
    DatasetError::Format {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

fn line_error(path: &Path, line: usize, reason: impl Into<String>) -> DatasetError {
    format_error(path, format!("line {line}: {}", reason.into()))
}

fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| DatasetError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Reads a mesh, choosing the parser from the extension (`.obj`, `.off`, `.ply`, any case).
pub fn load_mesh(path: &Path) -> Result<Mesh> {
    let extension = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let bytes = read_bytes(path)?;
    match extension.as_str() {
        "obj" => parse_obj(&bytes, path),
        "off" => parse_off(&bytes, path),
        "ply" => crate::meshes::ply::parse_ply(&bytes, path),
        _ => Err(format_error(
            path,
            "unknown mesh extension: expected .obj, .off or .ply",
        )),
    }
}

/// [`load_mesh`] then [`Mesh::to_graph`].
pub fn load_mesh_graph(path: &Path) -> Result<Graph> {
    load_mesh(path)?.to_graph(path)
}

fn parse_float(path: &Path, line: usize, token: Option<&str>, what: &str) -> Result<f32> {
    let token = token.ok_or_else(|| line_error(path, line, format!("missing {what}")))?;
    match token.parse::<f32>() {
        Ok(value) if value.is_finite() => Ok(value),
        _ => Err(line_error(
            path,
            line,
            format!("{what} {token:?} is not a finite number"),
        )),
    }
}

fn parse_triple<'a>(
    path: &Path,
    line: usize,
    tokens: &mut impl Iterator<Item = &'a str>,
    what: &str,
) -> Result<[f32; 3]> {
    Ok([
        parse_float(path, line, tokens.next(), &format!("{what} x"))?,
        parse_float(path, line, tokens.next(), &format!("{what} y"))?,
        parse_float(path, line, tokens.next(), &format!("{what} z"))?,
    ])
}

fn text(bytes: &[u8], path: &Path) -> Result<String> {
    String::from_utf8(bytes.to_vec()).map_err(|e| {
        format_error(
            path,
            format!("not UTF-8 text (byte {})", e.utf8_error().valid_up_to()),
        )
    })
}

/// Wavefront OBJ: `v x y z`, `vn x y z`, `f a b c …` with `a`, `a/t`, `a//n` or `a/t/n` references
/// (1-based, negative = relative to the end). A vertex gets the normal of its first face
/// reference; normals are kept only if every vertex has one.
pub fn parse_obj(bytes: &[u8], path: &Path) -> Result<Mesh> {
    let text = text(bytes, path)?;
    let mut mesh = Mesh::default();
    let mut normals: Vec<[f32; 3]> = Vec::new();
    let mut vertex_normals: Vec<Option<[f32; 3]>> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let mut tokens = line.split_whitespace();
        match tokens.next() {
            Some("v") => {
                mesh.positions
                    .push(parse_triple(path, number, &mut tokens, "vertex")?);
                vertex_normals.push(None);
            }
            Some("vn") => normals.push(parse_triple(path, number, &mut tokens, "normal")?),
            Some("f") => {
                let mut face = Vec::new();
                for reference in tokens {
                    let mut parts = reference.split('/');
                    let vertex = resolve_obj_index(
                        path,
                        number,
                        parts.next(),
                        mesh.positions.len(),
                        "vertex",
                    )?;
                    let normal = match parts.nth(1) {
                        Some(n) if !n.is_empty() => Some(resolve_obj_index(
                            path,
                            number,
                            Some(n),
                            normals.len(),
                            "normal",
                        )?),
                        _ => None,
                    };
                    if let Some(normal) = normal
                        && vertex_normals[vertex].is_none()
                    {
                        vertex_normals[vertex] = Some(normals[normal]);
                    }
                    face.push(vertex as u32);
                }
                if face.len() < 2 {
                    return Err(line_error(path, number, "a face needs at least 2 vertices"));
                }
                mesh.faces.push(face);
            }
            _ => {}
        }
    }
    if !vertex_normals.is_empty() && vertex_normals.iter().all(Option::is_some) {
        mesh.normals = Some(vertex_normals.into_iter().flatten().collect());
    }
    Ok(mesh)
}

fn resolve_obj_index(
    path: &Path,
    line: usize,
    token: Option<&str>,
    count: usize,
    what: &str,
) -> Result<usize> {
    let token = token.unwrap_or("");
    let value: i64 = token.parse().map_err(|_| {
        line_error(
            path,
            line,
            format!("{what} reference {token:?} is not an integer"),
        )
    })?;
    let resolved = if value > 0 {
        value - 1
    } else {
        count as i64 + value
    };
    if value == 0 || resolved < 0 || resolved >= count as i64 {
        return Err(line_error(
            path,
            line,
            format!("{what} reference {value} is out of range: {count} {what}s defined so far"),
        ));
    }
    Ok(resolved as usize)
}

/// Object File Format: `OFF` (or `NOFF`, `COFF`, `CNOFF`…), the counts `vertices faces edges`,
/// vertex lines `x y z [nx ny nz] [colour]`, face lines `n i₁ … iₙ [colour]`; `#` comments.
pub fn parse_off(bytes: &[u8], path: &Path) -> Result<Mesh> {
    let text = text(bytes, path)?;
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.split('#').next().unwrap_or("").trim()))
        .filter(|(_, l)| !l.is_empty());
    let (number, header) = lines
        .next()
        .ok_or_else(|| format_error(path, "empty file: expected an OFF header"))?;
    let mut header_tokens = header.split_whitespace();
    let keyword = header_tokens.next().unwrap_or("");
    if !keyword.ends_with("OFF") {
        return Err(line_error(
            path,
            number,
            format!("expected OFF, found {keyword:?}"),
        ));
    }
    let has_normals = keyword.contains('N');
    let mut counts: Vec<&str> = header_tokens.collect();
    let mut counts_line = number;
    if counts.is_empty() {
        let (number, line) = lines
            .next()
            .ok_or_else(|| format_error(path, "file ends before the vertex and face counts"))?;
        counts = line.split_whitespace().collect();
        counts_line = number;
    }
    let count = |index: usize, what: &str| -> Result<usize> {
        counts
            .get(index)
            .and_then(|t| t.parse().ok())
            .ok_or_else(|| {
                line_error(
                    path,
                    counts_line,
                    format!("missing or invalid {what} count"),
                )
            })
    };
    let (vertices, faces) = (count(0, "vertex")?, count(1, "face")?);
    // Every vertex and face takes at least one line: larger counts are corrupt, not a reason to
    // allocate.
    if vertices.saturating_add(faces) > text.len() {
        return Err(line_error(
            path,
            counts_line,
            format!("counts ({vertices} vertices, {faces} faces) exceed what the file can hold"),
        ));
    }
    let mut mesh = Mesh {
        positions: Vec::with_capacity(vertices),
        normals: has_normals.then(|| Vec::with_capacity(vertices)),
        faces: Vec::with_capacity(faces),
    };
    for v in 0..vertices {
        let (number, line) = lines.next().ok_or_else(|| {
            format_error(path, format!("file ends after {v} of {vertices} vertices"))
        })?;
        let mut tokens = line.split_whitespace();
        mesh.positions
            .push(parse_triple(path, number, &mut tokens, "vertex")?);
        if let Some(normals) = &mut mesh.normals {
            normals.push(parse_triple(path, number, &mut tokens, "normal")?);
        }
    }
    for f in 0..faces {
        let (number, line) = lines
            .next()
            .ok_or_else(|| format_error(path, format!("file ends after {f} of {faces} faces")))?;
        let mut tokens = line.split_whitespace();
        let size: usize = tokens.next().and_then(|t| t.parse().ok()).ok_or_else(|| {
            line_error(path, number, "face line must start with its vertex count")
        })?;
        let face = (0..size)
            .map(|_| {
                tokens
                    .next()
                    .and_then(|t| t.parse::<u32>().ok())
                    .ok_or_else(|| {
                        line_error(path, number, format!("face needs {size} vertex indices"))
                    })
            })
            .collect::<Result<Vec<u32>>>()?;
        if let Some(&vertex) = face.iter().find(|&&v| v as usize >= vertices) {
            return Err(line_error(
                path,
                number,
                format!("face references vertex {vertex}, but the mesh has {vertices} vertices"),
            ));
        }
        mesh.faces.push(face);
    }
    mesh.check_faces(path)?;
    Ok(mesh)
}
