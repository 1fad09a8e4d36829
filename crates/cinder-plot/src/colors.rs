//! Colours: a categorical palette for classes and the viridis colour scale for values.

use plotters::style::RGBColor;

/// Ten well-separated colours (matplotlib's `tab10`), cycled for more classes.
const TAB10: [(u8, u8, u8); 10] = [
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (127, 127, 127),
    (188, 189, 34),
    (23, 190, 207),
];

/// The colour of class (or series) `index`.
pub fn class_color(index: usize) -> RGBColor {
    let (r, g, b) = TAB10[index % TAB10.len()];
    RGBColor(r, g, b)
}

/// Viridis at `t` in `[0, 1]` (clamped), by linear interpolation of eight anchor colours.
pub fn viridis(t: f64) -> RGBColor {
    const ANCHORS: [(f64, f64, f64); 8] = [
        (68.0, 1.0, 84.0),
        (70.0, 50.0, 127.0),
        (54.0, 92.0, 141.0),
        (39.0, 127.0, 142.0),
        (31.0, 161.0, 135.0),
        (74.0, 194.0, 109.0),
        (159.0, 218.0, 58.0),
        (253.0, 231.0, 37.0),
    ];
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let position = t * (ANCHORS.len() - 1) as f64;
    let low = (position.floor() as usize).min(ANCHORS.len() - 2);
    let fraction = position - low as f64;
    let (a, b) = (ANCHORS[low], ANCHORS[low + 1]);
    let mix = |x: f64, y: f64| (x + (y - x) * fraction).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// The "jet"-like scale of heatmap overlays: blue (0) → cyan → yellow → red (1).
pub(crate) fn heat(t: f64) -> RGBColor {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let channel = |center: f64| ((1.5 - (4.0 * t - center).abs()).clamp(0.0, 1.0) * 255.0) as u8;
    RGBColor(channel(3.0), channel(2.0), channel(1.0))
}
