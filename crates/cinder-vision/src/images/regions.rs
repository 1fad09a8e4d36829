//! Region graphs of one image: superpixels (a regular grid, or SLIC) as nodes, adjacent regions
//! connected, and each region described by its mean colour, its centroid and the CNN feature map
//! of a chosen stage averaged over the region.

use cinder_graph::{Direction, FeatureMatrix, Graph};
use image::RgbImage;

use crate::error::{Result, VisionError};
use crate::explain::StageMaps;

/// A partition of an image's pixels into regions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Regions {
    /// Image height.
    pub height: usize,
    /// Image width.
    pub width: usize,
    /// Region of each pixel, row-major, `0..count`.
    pub labels: Vec<u32>,
    /// Number of regions.
    pub count: usize,
}

/// A regular grid of `cell × cell` pixel regions (the last row/column of cells may be smaller).
pub fn grid_regions(height: usize, width: usize, cell: usize) -> Regions {
    let cell = cell.max(1);
    let columns = width.div_ceil(cell);
    let labels = (0..height * width)
        .map(|p| ((p / width / cell) * columns + (p % width) / cell) as u32)
        .collect();
    Regions {
        height,
        width,
        labels,
        count: height.div_ceil(cell) * columns,
    }
}

/// SLIC superpixels (Achanta et al. 2012): k-means on (colour, position) with search windows of
/// twice the grid step `S = √(HW / segments)`, distance `d_colour² + (compactness / S)² d_xy²`
/// on RGB in [0, 255], `iterations` rounds; then every region that is not 4-connected keeps its
/// largest piece and the other pieces join a neighbouring region. Labels are renumbered 0..count.
pub fn slic(image: &RgbImage, segments: usize, compactness: f64, iterations: usize) -> Regions {
    let (w, h) = (image.width() as usize, image.height() as usize);
    let step = ((w * h) as f64 / segments.max(1) as f64).sqrt().max(1.0);
    let pixel = |x: usize, y: usize| {
        let p = image.get_pixel(x as u32, y as u32).0;
        [p[0] as f64, p[1] as f64, p[2] as f64]
    };
    // Centres on a grid: [r, g, b, y, x].
    let mut centres: Vec<[f64; 5]> = Vec::new();
    let mut y = step / 2.0;
    while y < h as f64 {
        let mut x = step / 2.0;
        while x < w as f64 {
            let c = pixel(x as usize, y as usize);
            centres.push([c[0], c[1], c[2], y, x]);
            x += step;
        }
        y += step;
    }
    let weight = (compactness / step).powi(2);
    let mut labels = vec![0u32; w * h];
    for _ in 0..iterations.max(1) {
        let mut best = vec![f64::INFINITY; w * h];
        for (k, c) in centres.iter().enumerate() {
            let (y0, y1) = (
                (c[3] - step).max(0.0) as usize,
                ((c[3] + step) as usize + 1).min(h),
            );
            let (x0, x1) = (
                (c[4] - step).max(0.0) as usize,
                ((c[4] + step) as usize + 1).min(w),
            );
            for yy in y0..y1 {
                for xx in x0..x1 {
                    let p = pixel(xx, yy);
                    let colour =
                        (p[0] - c[0]).powi(2) + (p[1] - c[1]).powi(2) + (p[2] - c[2]).powi(2);
                    let space = (yy as f64 - c[3]).powi(2) + (xx as f64 - c[4]).powi(2);
                    let d = colour + weight * space;
                    if d < best[yy * w + xx] {
                        best[yy * w + xx] = d;
                        labels[yy * w + xx] = k as u32;
                    }
                }
            }
        }
        let mut sums = vec![[0.0f64; 6]; centres.len()];
        for yy in 0..h {
            for xx in 0..w {
                let p = pixel(xx, yy);
                let s = &mut sums[labels[yy * w + xx] as usize];
                s[0] += p[0];
                s[1] += p[1];
                s[2] += p[2];
                s[3] += yy as f64;
                s[4] += xx as f64;
                s[5] += 1.0;
            }
        }
        for (c, s) in centres.iter_mut().zip(&sums) {
            if s[5] > 0.0 {
                *c = [
                    s[0] / s[5],
                    s[1] / s[5],
                    s[2] / s[5],
                    s[3] / s[5],
                    s[4] / s[5],
                ];
            }
        }
    }
    connected(labels, h, w)
}

/// Splits labels into 4-connected pieces; pieces smaller than the largest of their label join
/// the region of their first already-labelled neighbour. Renumbers 0..count.
fn connected(labels: Vec<u32>, h: usize, w: usize) -> Regions {
    let mut piece = vec![u32::MAX; w * h];
    let mut pieces: Vec<(u32, usize)> = Vec::new(); // (original label, size)
    for start in 0..w * h {
        if piece[start] != u32::MAX {
            continue;
        }
        let id = pieces.len() as u32;
        let mut stack = vec![start];
        piece[start] = id;
        let mut size = 0;
        while let Some(p) = stack.pop() {
            size += 1;
            let (y, x) = (p / w, p % w);
            let mut visit = |q: usize| {
                if piece[q] == u32::MAX && labels[q] == labels[p] {
                    piece[q] = id;
                    stack.push(q);
                }
            };
            if x > 0 {
                visit(p - 1);
            }
            if x + 1 < w {
                visit(p + 1);
            }
            if y > 0 {
                visit(p - w);
            }
            if y + 1 < h {
                visit(p + w);
            }
        }
        pieces.push((labels[start], size));
    }
    // The largest piece of each label keeps it.
    let mut largest: std::collections::HashMap<u32, (usize, u32)> =
        std::collections::HashMap::new();
    for (id, &(label, size)) in pieces.iter().enumerate() {
        let entry = largest.entry(label).or_insert((size, id as u32));
        if size > entry.0 {
            *entry = (size, id as u32);
        }
    }
    let mut target: Vec<u32> = (0..pieces.len() as u32).collect();
    for (id, &(label, _)) in pieces.iter().enumerate() {
        if largest[&label].1 != id as u32 {
            target[id] = u32::MAX; // to merge
        }
    }
    // Merge small pieces into a neighbouring kept piece (scan until stable).
    let mut changed = true;
    while changed {
        changed = false;
        for p in 0..w * h {
            let id = piece[p] as usize;
            if target[id] != u32::MAX {
                continue;
            }
            let (y, x) = (p / w, p % w);
            let neighbours = [
                (x > 0).then(|| p - 1),
                (x + 1 < w).then(|| p + 1),
                (y > 0).then(|| p - w),
                (y + 1 < h).then(|| p + w),
            ];
            if let Some(q) = neighbours
                .into_iter()
                .flatten()
                .find(|&q| target[piece[q] as usize] != u32::MAX)
            {
                target[id] = target[piece[q] as usize];
                changed = true;
            }
        }
    }
    let mut renumber = std::collections::HashMap::new();
    let labels: Vec<u32> = piece
        .iter()
        .map(|&id| {
            let t = target[id as usize];
            let next = renumber.len() as u32;
            *renumber.entry(t).or_insert(next)
        })
        .collect();
    Regions {
        height: h,
        width: w,
        count: renumber.len(),
        labels,
    }
}

/// Pairs of 4-adjacent regions, each once (`a < b`), sorted.
pub fn region_adjacency(regions: &Regions) -> Vec<(u32, u32)> {
    let (h, w) = (regions.height, regions.width);
    let mut pairs = std::collections::BTreeSet::new();
    for y in 0..h {
        for x in 0..w {
            let a = regions.labels[y * w + x];
            for (yy, xx) in [(y, x + 1), (y + 1, x)] {
                if yy < h && xx < w {
                    let b = regions.labels[yy * w + xx];
                    if a != b {
                        pairs.insert((a.min(b), a.max(b)));
                    }
                }
            }
        }
    }
    pairs.into_iter().collect()
}

/// The region adjacency graph of `image`: one node per region with features
/// `[mean R, G, B / 255, centroid y / H, x / W, stage channels averaged over the region…]`
/// (`maps` is one image's stage; each pixel reads the feature-map cell it falls in), undirected
/// edges between 4-adjacent regions, and `label` as the graph label.
pub fn region_graph(
    image: &RgbImage,
    regions: &Regions,
    maps: Option<&StageMaps>,
    label: Option<usize>,
) -> Result<Graph> {
    let (w, h) = (image.width() as usize, image.height() as usize);
    if (h, w) != (regions.height, regions.width) {
        return Err(VisionError::InvalidArgument(format!(
            "regions are {}×{} but the image is {h}×{w}",
            regions.height, regions.width
        )));
    }
    let channels = maps.map_or(0, |m| m.channels);
    let width = 5 + channels;
    let mut sums = vec![0.0f64; regions.count * width];
    let mut counts = vec![0usize; regions.count];
    for y in 0..h {
        for x in 0..w {
            let r = regions.labels[y * w + x] as usize;
            let p = image.get_pixel(x as u32, y as u32).0;
            let row = &mut sums[r * width..(r + 1) * width];
            row[0] += p[0] as f64 / 255.0;
            row[1] += p[1] as f64 / 255.0;
            row[2] += p[2] as f64 / 255.0;
            row[3] += y as f64 / h as f64;
            row[4] += x as f64 / w as f64;
            if let Some(m) = maps {
                let (my, mx) = (y * m.height / h, x * m.width / w);
                for c in 0..channels {
                    row[5 + c] += m.values[(c * m.height + my) * m.width + mx] as f64;
                }
            }
            counts[r] += 1;
        }
    }
    let values: Vec<f32> = sums
        .chunks(width)
        .zip(&counts)
        .flat_map(|(row, &n)| row.iter().map(move |v| (v / n.max(1) as f64) as f32))
        .collect();
    let (sources, targets): (Vec<u32>, Vec<u32>) = region_adjacency(regions).into_iter().unzip();
    let mut graph =
        Graph::from_coordinates(regions.count, sources, targets, Direction::Undirected)?
            .with_node_features(FeatureMatrix::dense(regions.count, width, values)?)?;
    if let Some(label) = label {
        graph = graph.with_graph_label(label);
    }
    Ok(graph)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_regions_tile_the_image_and_neighbour_in_four_directions() {
        let regions = grid_regions(28, 28, 4);
        assert_eq!(regions.count, 49);
        let pairs = region_adjacency(&regions);
        assert_eq!(pairs.len(), 2 * 7 * 6, "a 7×7 grid has 84 adjacent pairs");
        assert!(pairs.contains(&(0, 1)) && pairs.contains(&(0, 7)) && !pairs.contains(&(0, 8)));
    }

    #[test]
    fn slic_follows_a_colour_edge_and_keeps_regions_connected() {
        // Left half black, right half white: no superpixel straddles the edge.
        let image = RgbImage::from_fn(32, 32, |x, _| {
            if x < 16 {
                image::Rgb([0, 0, 0])
            } else {
                image::Rgb([255, 255, 255])
            }
        });
        let regions = slic(&image, 16, 10.0, 10);
        assert!(
            (8..=24).contains(&regions.count),
            "{} regions",
            regions.count
        );
        for r in 0..regions.count as u32 {
            let xs: Vec<usize> = (0..32 * 32)
                .filter(|&p| regions.labels[p] == r)
                .map(|p| p % 32)
                .collect();
            assert!(
                xs.iter().all(|&x| x < 16) || xs.iter().all(|&x| x >= 16),
                "region {r} crosses the edge"
            );
        }
        let graph = region_graph(&image, &regions, None, Some(1)).unwrap();
        assert_eq!(graph.num_nodes(), regions.count);
        assert_eq!(graph.graph_label(), Some(1));
        match graph.node_features() {
            Some(FeatureMatrix::Dense(d)) => {
                for r in 0..d.rows() {
                    let colour = d.row(r)[0];
                    assert!(
                        colour == 0.0 || colour == 1.0,
                        "a region mixes colours: {colour}"
                    );
                }
            }
            other => panic!("{other:?}"),
        }
    }
}
