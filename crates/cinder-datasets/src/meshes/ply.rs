//! The PLY (Stanford polygon) format: an ASCII header describing elements and their properties,
//! then the data as ASCII or binary (little- or big-endian). Reads `vertex` (`x y z`, optional
//! `nx ny nz`) and `face` (`vertex_indices` or `vertex_index` list); skips other elements.

use std::path::Path;

use crate::error::{DatasetError, Result};
use crate::meshes::polygon_mesh::Mesh;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Ascii,
    LittleEndian,
    BigEndian,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scalar {
    I8,
    U8,
    I16,
    U16,
    I32,
    U32,
    F32,
    F64,
}

impl Scalar {
    fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "char" | "int8" => Self::I8,
            "uchar" | "uint8" => Self::U8,
            "short" | "int16" => Self::I16,
            "ushort" | "uint16" => Self::U16,
            "int" | "int32" => Self::I32,
            "uint" | "uint32" => Self::U32,
            "float" | "float32" => Self::F32,
            "double" | "float64" => Self::F64,
            _ => return None,
        })
    }

    fn size(self) -> usize {
        match self {
            Self::I8 | Self::U8 => 1,
            Self::I16 | Self::U16 => 2,
            Self::I32 | Self::U32 | Self::F32 => 4,
            Self::F64 => 8,
        }
    }
}

#[derive(Debug, Clone)]
enum Property {
    Scalar {
        name: String,
        kind: Scalar,
    },
    List {
        name: String,
        count: Scalar,
        item: Scalar,
    },
}

#[derive(Debug, Clone)]
struct Element {
    name: String,
    count: usize,
    properties: Vec<Property>,
}

fn error(path: &Path, reason: impl Into<String>) -> DatasetError {
    DatasetError::Format {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

/// Parses the header; returns the encoding, the elements and the offset of the data.
fn parse_header(bytes: &[u8], path: &Path) -> Result<(Encoding, Vec<Element>, usize)> {
    const END: &[u8] = b"end_header";
    let end = bytes
        .windows(END.len())
        .position(|w| w == END)
        .ok_or_else(|| {
            error(
                path,
                "no end_header line: not a PLY file or truncated header",
            )
        })?;
    let mut data_start = end + END.len();
    if bytes.get(data_start) == Some(&b'\r') {
        data_start += 1;
    }
    if bytes.get(data_start) == Some(&b'\n') {
        data_start += 1;
    }
    let header = std::str::from_utf8(&bytes[..end])
        .map_err(|_| error(path, "the header is not ASCII text"))?;
    let mut lines = header.lines().enumerate().map(|(i, l)| (i + 1, l.trim()));
    if lines.next().map(|(_, l)| l) != Some("ply") {
        return Err(error(path, "line 1: expected \"ply\""));
    }
    let mut encoding = None;
    let mut elements: Vec<Element> = Vec::new();
    for (number, line) in lines {
        let tokens: Vec<&str> = line.split_whitespace().collect();
        let bad = |reason: &str| error(path, format!("header line {number}: {reason}"));
        match tokens.as_slice() {
            [] | ["comment", ..] | ["obj_info", ..] => {}
            ["format", format, _version] => {
                encoding = Some(match *format {
                    "ascii" => Encoding::Ascii,
                    "binary_little_endian" => Encoding::LittleEndian,
                    "binary_big_endian" => Encoding::BigEndian,
                    other => return Err(bad(&format!("unknown format {other:?}"))),
                });
            }
            ["element", name, count] => elements.push(Element {
                name: (*name).to_string(),
                count: count
                    .parse()
                    .map_err(|_| bad(&format!("element count {count:?} is not a number")))?,
                properties: Vec::new(),
            }),
            ["property", "list", count, item, name] => {
                let element = elements
                    .last_mut()
                    .ok_or_else(|| bad("property before any element"))?;
                let kind = |t: &str| {
                    Scalar::parse(t).ok_or_else(|| bad(&format!("unknown property type {t:?}")))
                };
                element.properties.push(Property::List {
                    name: (*name).to_string(),
                    count: kind(count)?,
                    item: kind(item)?,
                });
            }
            ["property", kind, name] => {
                let element = elements
                    .last_mut()
                    .ok_or_else(|| bad("property before any element"))?;
                element.properties.push(Property::Scalar {
                    name: (*name).to_string(),
                    kind: Scalar::parse(kind)
                        .ok_or_else(|| bad(&format!("unknown property type {kind:?}")))?,
                });
            }
            _ => return Err(bad(&format!("unrecognised header line {line:?}"))),
        }
    }
    let encoding = encoding.ok_or_else(|| error(path, "the header has no format line"))?;
    Ok((encoding, elements, data_start))
}

/// Reads values one by one from the data section, ASCII or binary.
struct Reader<'a> {
    bytes: &'a [u8],
    position: usize,
    encoding: Encoding,
    path: &'a Path,
}

impl Reader<'_> {
    fn next(&mut self, kind: Scalar, what: &str) -> Result<f64> {
        if self.encoding == Encoding::Ascii {
            return self.next_ascii(what);
        }
        let size = kind.size();
        let chunk = self
            .bytes
            .get(self.position..self.position + size)
            .ok_or_else(|| {
                error(
                    self.path,
                    format!("data ends at byte {} while reading {what}", self.position),
                )
            })?;
        self.position += size;
        let mut buffer = [0u8; 8];
        buffer[..size].copy_from_slice(chunk);
        if self.encoding == Encoding::BigEndian {
            buffer[..size].reverse();
        }
        let [a, b, c, d, ..] = buffer;
        Ok(match kind {
            Scalar::I8 => f64::from(a as i8),
            Scalar::U8 => f64::from(a),
            Scalar::I16 => f64::from(i16::from_le_bytes([a, b])),
            Scalar::U16 => f64::from(u16::from_le_bytes([a, b])),
            Scalar::I32 => f64::from(i32::from_le_bytes([a, b, c, d])),
            Scalar::U32 => f64::from(u32::from_le_bytes([a, b, c, d])),
            Scalar::F32 => f64::from(f32::from_le_bytes([a, b, c, d])),
            Scalar::F64 => f64::from_le_bytes(buffer),
        })
    }

    fn next_ascii(&mut self, what: &str) -> Result<f64> {
        while self
            .bytes
            .get(self.position)
            .is_some_and(u8::is_ascii_whitespace)
        {
            self.position += 1;
        }
        let start = self.position;
        while self
            .bytes
            .get(self.position)
            .is_some_and(|b| !b.is_ascii_whitespace())
        {
            self.position += 1;
        }
        let token = std::str::from_utf8(&self.bytes[start..self.position]).unwrap_or("");
        if token.is_empty() {
            return Err(error(self.path, format!("data ends while reading {what}")));
        }
        token.parse::<f64>().map_err(|_| {
            let line = 1 + self.bytes[..start].iter().filter(|&&b| b == b'\n').count();
            error(
                self.path,
                format!("line {line}: {what} {token:?} is not a number"),
            )
        })
    }
}

/// Parses a PLY file's bytes into a [`Mesh`].
pub fn parse_ply(bytes: &[u8], path: &Path) -> Result<Mesh> {
    let (encoding, elements, data_start) = parse_header(bytes, path)?;
    let available = bytes.len() - data_start;
    let mut reader = Reader {
        bytes,
        position: data_start,
        encoding,
        path,
    };
    let mut mesh = Mesh::default();
    for element in &elements {
        // Every item takes at least one byte: a larger count is corrupt, not a reason to allocate.
        if element.count > available {
            return Err(error(
                path,
                format!(
                    "element {} claims {} items, more than the {available} data bytes can hold",
                    element.name, element.count
                ),
            ));
        }
        match element.name.as_str() {
            "vertex" => read_vertices(&mut reader, element, &mut mesh)?,
            "face" => read_faces(&mut reader, element, &mut mesh)?,
            _ => skip(&mut reader, element)?,
        }
    }
    mesh.check_faces(path)?;
    Ok(mesh)
}

fn read_vertices(reader: &mut Reader<'_>, element: &Element, mesh: &mut Mesh) -> Result<()> {
    let column = |name: &str| {
        element
            .properties
            .iter()
            .position(|p| matches!(p, Property::Scalar { name: n, .. } if n == name))
    };
    let (Some(x), Some(y), Some(z)) = (column("x"), column("y"), column("z")) else {
        return Err(error(
            reader.path,
            "vertex element lacks an x, y or z property",
        ));
    };
    let normal_columns = (column("nx"), column("ny"), column("nz"));
    let mut normals = Vec::new();
    mesh.positions.reserve(element.count);
    let mut row = vec![0.0f64; element.properties.len()];
    for vertex in 0..element.count {
        for (slot, property) in row.iter_mut().zip(&element.properties) {
            match property {
                Property::Scalar { kind, name } => {
                    *slot = reader.next(*kind, &format!("vertex {vertex} property {name}"))?;
                }
                Property::List { count, item, name } => {
                    let what = format!("vertex {vertex} list {name}");
                    let length = reader.next(*count, &what)? as usize;
                    for _ in 0..length {
                        reader.next(*item, &what)?;
                    }
                }
            }
        }
        let finite = |value: f64, axis: &str| {
            let value = value as f32;
            if value.is_finite() {
                Ok(value)
            } else {
                Err(error(
                    reader.path,
                    format!("vertex {vertex} {axis} is {value}: coordinates must be finite"),
                ))
            }
        };
        mesh.positions.push([
            finite(row[x], "x")?,
            finite(row[y], "y")?,
            finite(row[z], "z")?,
        ]);
        if let (Some(nx), Some(ny), Some(nz)) = normal_columns {
            normals.push([
                finite(row[nx], "nx")?,
                finite(row[ny], "ny")?,
                finite(row[nz], "nz")?,
            ]);
        }
    }
    if normal_columns.0.is_some() {
        mesh.normals = Some(normals);
    }
    Ok(())
}

fn read_faces(reader: &mut Reader<'_>, element: &Element, mesh: &mut Mesh) -> Result<()> {
    let has_indices = element.properties.iter().any(|p| {
        matches!(p, Property::List { name, .. } if name == "vertex_indices" || name == "vertex_index")
    });
    if !has_indices {
        return Err(error(
            reader.path,
            "face element lacks a vertex_indices list property",
        ));
    }
    mesh.faces.reserve(element.count);
    for face in 0..element.count {
        let mut indices = Vec::new();
        for property in &element.properties {
            match property {
                Property::Scalar { kind, name } => {
                    reader.next(*kind, &format!("face {face} property {name}"))?;
                }
                Property::List { count, item, name } => {
                    let what = format!("face {face} list {name}");
                    let length = reader.next(*count, &what)?;
                    let keep = name == "vertex_indices" || name == "vertex_index";
                    for _ in 0..length as usize {
                        let value = reader.next(*item, &what)?;
                        if keep {
                            if value < 0.0 || value > f64::from(u32::MAX) {
                                return Err(error(
                                    reader.path,
                                    format!("face {face} has vertex index {value}"),
                                ));
                            }
                            indices.push(value as u32);
                        }
                    }
                }
            }
        }
        mesh.faces.push(indices);
    }
    Ok(())
}

fn skip(reader: &mut Reader<'_>, element: &Element) -> Result<()> {
    for item in 0..element.count {
        for property in &element.properties {
            let what = format!("{} {item}", element.name);
            match property {
                Property::Scalar { kind, .. } => {
                    reader.next(*kind, &what)?;
                }
                Property::List { count, item, .. } => {
                    let length = reader.next(*count, &what)?;
                    for _ in 0..length as usize {
                        reader.next(*item, &what)?;
                    }
                }
            }
        }
    }
    Ok(())
}
