//! Molecules from MDL SDF / MOL files (V2000 connection tables): atoms become nodes labelled by
//! element, bonds become undirected edges with a [`BondType`] label, and one SD property becomes the
//! graph label.

use std::collections::BTreeSet;
use std::path::Path;

use cinder_graph::{BondType, Direction, EdgeLabel, Graph};

use crate::error::{DatasetError, Result};

/// Molecular graphs read from an SDF file.
#[derive(Debug, Clone)]
pub struct Molecules {
    /// One graph per molecule: node labels index [`Molecules::elements`], edges carry bond types,
    /// the graph label indexes [`Molecules::classes`].
    pub graphs: Vec<Graph>,
    /// Distinct values of the label property, sorted.
    pub classes: Vec<String>,
    /// Distinct element symbols, sorted.
    pub elements: Vec<String>,
}

fn format_error(path: &Path, line: usize, reason: impl Into<String>) -> DatasetError {
    DatasetError::Format {
        path: path.to_path_buf(),
        reason: format!("line {line}: {}", reason.into()),
    }
}

/// One parsed molecule before labels are mapped to indices.
struct Molecule {
    elements: Vec<String>,
    bonds: Vec<(usize, usize, BondType)>,
    property: String,
}

/// Reads every molecule of an SDF file; `property` names the SD field used as graph label (its
/// distinct values, sorted, are the classes).
pub fn load_sdf(path: &Path, property: &str) -> Result<Molecules> {
    let text = std::fs::read_to_string(path).map_err(|source| DatasetError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_sdf(&text, path, property)
}

/// [`load_sdf`] for SDF text already in memory; `path` names its origin in errors.
pub fn parse_sdf(text: &str, path: &Path, property: &str) -> Result<Molecules> {
    let lines: Vec<&str> = text.lines().collect();
    let mut molecules = Vec::new();
    let mut start = 0;
    while start < lines.len() {
        if lines[start..].iter().all(|l| l.trim().is_empty()) {
            break;
        }
        let (molecule, next) = parse_molecule(path, &lines, start, property)?;
        molecules.push(molecule);
        start = next;
    }
    let elements: Vec<String> = molecules
        .iter()
        .flat_map(|m| m.elements.iter().cloned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let classes: Vec<String> = molecules
        .iter()
        .map(|m| m.property.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut graphs = Vec::with_capacity(molecules.len());
    for molecule in molecules {
        let labels = molecule
            .elements
            .iter()
            .map(|e| elements.binary_search(e).unwrap_or(0))
            .collect();
        let edges: Vec<(usize, usize)> = molecule.bonds.iter().map(|&(u, v, _)| (u, v)).collect();
        let bond_labels = molecule
            .bonds
            .iter()
            .map(|&(_, _, b)| EdgeLabel::Bond(b))
            .collect();
        let graph = Graph::from_edges(molecule.elements.len(), edges, Direction::Undirected)
            .and_then(|g| g.with_node_labels(labels))
            .and_then(|g| g.with_edge_labels(bond_labels))
            .map_err(|source| DatasetError::Graph {
                path: path.to_path_buf(),
                source,
            })?
            .with_graph_label(classes.binary_search(&molecule.property).unwrap_or(0));
        graphs.push(graph);
    }
    Ok(Molecules {
        graphs,
        classes,
        elements,
    })
}

/// Parses the molecule whose header starts at `start`; returns it and the line after its `$$$$`.
fn parse_molecule(
    path: &Path,
    lines: &[&str],
    start: usize,
    property: &str,
) -> Result<(Molecule, usize)> {
    let counts_index = start + 3;
    let counts = lines.get(counts_index).ok_or_else(|| {
        format_error(path, counts_index + 1, "file ends inside a molecule header")
    })?;
    if !counts.contains("V2000") {
        return Err(format_error(
            path,
            counts_index + 1,
            "only V2000 connection tables are supported",
        ));
    }
    let field = |line: &str, from: usize, to: usize| {
        line.get(from..to.min(line.len()))
            .unwrap_or("")
            .trim()
            .to_string()
    };
    let number = |line_index: usize, text: String, what: &str| -> Result<usize> {
        text.parse().map_err(|_| {
            format_error(
                path,
                line_index + 1,
                format!("{what} {text:?} is not a number"),
            )
        })
    };
    let atoms = number(counts_index, field(counts, 0, 3), "atom count")?;
    let bond_count = number(counts_index, field(counts, 3, 6), "bond count")?;
    let mut elements = Vec::with_capacity(atoms);
    for i in 0..atoms {
        let index = counts_index + 1 + i;
        let line = lines
            .get(index)
            .ok_or_else(|| format_error(path, index + 1, "file ends inside the atom block"))?;
        let symbol = field(line, 31, 34);
        if symbol.is_empty() {
            return Err(format_error(
                path,
                index + 1,
                "atom line has no element symbol (columns 32-34)",
            ));
        }
        elements.push(symbol);
    }
    let mut bonds = Vec::with_capacity(bond_count);
    for i in 0..bond_count {
        let index = counts_index + 1 + atoms + i;
        let line = lines
            .get(index)
            .ok_or_else(|| format_error(path, index + 1, "file ends inside the bond block"))?;
        let u = number(index, field(line, 0, 3), "bond atom")?;
        let v = number(index, field(line, 3, 6), "bond atom")?;
        if u == 0 || v == 0 || u > atoms || v > atoms {
            return Err(format_error(
                path,
                index + 1,
                format!("bond joins atoms {u} and {v}, outside 1..={atoms}"),
            ));
        }
        let bond = match field(line, 6, 9).as_str() {
            "1" => BondType::Single,
            "2" => BondType::Double,
            "3" => BondType::Triple,
            "4" => BondType::Aromatic,
            other => {
                return Err(format_error(
                    path,
                    index + 1,
                    format!("bond type {other:?} is not 1, 2, 3 or 4"),
                ));
            }
        };
        bonds.push((u - 1, v - 1, bond));
    }
    let (value, next) = data_items(path, lines, counts_index + 1 + atoms + bond_count, property)?;
    let property_value = value.ok_or_else(|| {
        format_error(
            path,
            start + 1,
            format!(
                "molecule {:?} has no SD property <{property}>",
                lines[start].trim()
            ),
        )
    })?;
    Ok((
        Molecule {
            elements,
            bonds,
            property: property_value,
        },
        next,
    ))
}

/// Reads the rest of a record from `index` (the line after the bond block): the properties block
/// up to `M  END`, then the data items (`> <name>`, value lines, a blank line) up to `$$$$`.
/// Returns the first value line of `property` (if present) and the line after the record.
///
/// A record ends with `$$$$`, except that the last one of a file may end at the end of the file.
/// Anything else after its data items (typically the next molecule, with `$$$$` missing) is an
/// error: read on, the next molecules would be swallowed into this one.
fn data_items(
    path: &Path,
    lines: &[&str],
    mut index: usize,
    property: &str,
) -> Result<(Option<String>, usize)> {
    let is_terminator = |line: &str| line.trim() == "$$$$";
    let is_header = |line: &str| line.starts_with('>') && line.contains('<');
    while let Some(line) = lines.get(index) {
        if is_terminator(line) || is_header(line) {
            break;
        }
        index += 1;
        if line.trim_end() == "M  END" {
            break;
        }
    }
    let mut value = None;
    let wanted = format!("<{property}>");
    loop {
        while lines.get(index).is_some_and(|line| line.trim().is_empty()) {
            index += 1;
        }
        let Some(line) = lines.get(index) else {
            return Ok((value, index));
        };
        if is_terminator(line) {
            return Ok((value, index + 1));
        }
        if !is_header(line) {
            return Err(format_error(
                path,
                index + 1,
                format!(
                    "expected a data item `> <name>` or the `$$$$` that ends a molecule record, found {:?}; every record but the last must end with a `$$$$` line",
                    line.trim()
                ),
            ));
        }
        let matches = line.contains(&wanted);
        index += 1;
        let first = index;
        while lines
            .get(index)
            .is_some_and(|line| !line.trim().is_empty() && !is_terminator(line) && !is_header(line))
        {
            index += 1;
        }
        if matches {
            value = Some(
                lines[first..index]
                    .first()
                    .map_or("", |v| v.trim())
                    .to_string(),
            );
        }
    }
}
