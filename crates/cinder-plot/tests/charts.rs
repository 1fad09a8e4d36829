//! Every chart type renders to PNG and SVG from small fixed data: the PNG decodes at the requested
//! size, is not blank, and shows the expected colours where they must be; the SVG is well-formed
//! text with the chart's title; bad data is refused before any file appears; the report embeds it
//! all.

use std::path::{Path, PathBuf};

use cinder_plot::{
    BarChart, Chart, ConfusionMatrix, Curves, DegreeDistribution, FeatureMapGrid, GraphDrawing,
    HeatmapOverlay, PlotError, Report, Scatter, class_color, pca_2d, save, viridis,
};
use image::RgbImage;

const SIZE: (u32, u32) = (640, 480);

/// A folder per test (tests run in parallel; each checks its own folder for leftovers).
fn output_directory(test: &str) -> PathBuf {
    let directory = std::env::temp_dir().join(format!("cinder-plot-{}/{test}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    directory
}

/// Saves `chart` as PNG and SVG; returns the decoded PNG after the common checks.
fn render<C: Chart>(chart: &C, name: &str, title: &str) -> RgbImage {
    let directory = output_directory(name);
    let png = directory.join(format!("{name}.png"));
    let svg = directory.join(format!("{name}.svg"));
    save(chart, &png, SIZE).unwrap();
    save(chart, &svg, SIZE).unwrap();
    let svg_text = std::fs::read_to_string(&svg).unwrap();
    assert!(
        svg_text.starts_with("<svg") && svg_text.trim_end().ends_with("</svg>"),
        "{name}.svg"
    );
    assert!(svg_text.contains(title), "{name}.svg lacks its title");
    let image = image::open(&png).unwrap().to_rgb8();
    assert_eq!(image.dimensions(), SIZE, "{name}.png size");
    // Not blank: the luminance varies.
    let luminance: Vec<f64> = image
        .pixels()
        .map(|p| f64::from(p[0]) + f64::from(p[1]) + f64::from(p[2]))
        .collect();
    let mean = luminance.iter().sum::<f64>() / luminance.len() as f64;
    let variance =
        luminance.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / luminance.len() as f64;
    assert!(
        variance > 100.0,
        "{name}.png looks blank (variance {variance})"
    );
    // No temporary files are left behind.
    let leftovers = std::fs::read_dir(&directory)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with('.')
        })
        .count();
    assert_eq!(leftovers, 0);
    image
}

/// Pixels (in a region) close to `color`.
fn count_near(image: &RgbImage, color: (u8, u8, u8), region: (u32, u32, u32, u32)) -> usize {
    let (x0, y0, x1, y1) = region;
    let mut count = 0;
    for y in y0..y1 {
        for x in x0..x1 {
            let p = image.get_pixel(x, y);
            let close = |a: u8, b: u8| (i16::from(a) - i16::from(b)).abs() <= 12;
            if close(p[0], color.0) && close(p[1], color.1) && close(p[2], color.2) {
                count += 1;
            }
        }
    }
    count
}

fn rgb(color: plotters::style::RGBColor) -> (u8, u8, u8) {
    (color.0, color.1, color.2)
}

const WHOLE: (u32, u32, u32, u32) = (0, 0, SIZE.0, SIZE.1);

#[test]
fn curves_draw_every_series_and_the_mean() {
    let curves = Curves::new("Loss per fold", "epoch", "loss")
        .with_series("fold 1", vec![1.0, 0.7, 0.5, 0.4])
        .with_series("fold 2", vec![0.9, 0.6, 0.45])
        .with_mean_band(true);
    let image = render(&curves, "curves", "Loss per fold");
    assert!(
        count_near(&image, (0, 0, 0), WHOLE) > 500,
        "mean line and text"
    );
    let single =
        Curves::new("Accuracy", "epoch", "accuracy").with_series("train", vec![0.5, 0.8, 0.9]);
    let image = render(&single, "curve", "Accuracy");
    assert!(
        count_near(&image, rgb(class_color(0)), WHOLE) > 200,
        "the series colour"
    );
}

#[test]
fn confusion_matrix_shades_the_largest_cell_darkest() {
    let matrix = ConfusionMatrix::new(
        "Confusion",
        vec!["cat".into(), "dog".into()],
        vec![vec![40, 2], vec![5, 30]],
    );
    let image = render(&matrix, "confusion", "Confusion");
    // The top-left cell (true cat, predicted cat, 40) is the darkest blue: (38, 38, 255).
    assert!(count_near(&image, (38, 38, 255), (0, 0, SIZE.0 / 2, SIZE.1 / 2)) > 1000);
    // The smallest count (2) is nearly white-blue, in the top-right quadrant.
    assert!(count_near(&image, (242, 242, 255), (SIZE.0 / 2, 0, SIZE.0, SIZE.1 / 2)) > 1000);
}

#[test]
fn bars_scatter_graph_and_degrees_render() {
    let bars = BarChart::new(
        "Test accuracy per fold",
        "accuracy",
        (1..=5).map(|k| format!("fold {k}")).collect(),
        vec![0.8, 0.85, 0.9, 0.75, 0.88],
    )
    .with_errors(vec![0.02; 5])
    .with_reference("mean", 0.836);
    let image = render(&bars, "bars", "Test accuracy per fold");
    assert!(
        count_near(&image, rgb(class_color(0)), WHOLE) > 5000,
        "bar fill"
    );
    assert!(
        count_near(&image, rgb(class_color(3)), WHOLE) > 100,
        "reference line"
    );

    let data: Vec<f32> = (0..30)
        .flat_map(|i| {
            let class = (i % 3) as f32;
            [class * 5.0 + (i as f32 * 0.1), class * -3.0, 1.0]
        })
        .collect();
    let points = pca_2d(&data, 30, 3);
    let labels: Vec<usize> = (0..30).map(|i| i % 3).collect();
    let scatter = Scatter::new(
        "Embeddings (PCA)",
        points,
        labels.clone(),
        vec!["a".into(), "b".into(), "c".into()],
    );
    let image = render(&scatter, "scatter", "Embeddings (PCA)");
    for class in 0..3 {
        assert!(
            count_near(&image, rgb(class_color(class)), WHOLE) > 100,
            "class {class} points"
        );
    }

    let edges: Vec<(usize, usize, f64)> = (0..12)
        .map(|i| (i, (i + 1) % 12, 1.0 + (i % 3) as f64))
        .collect();
    let drawing = GraphDrawing::new(
        "A ring",
        12,
        edges,
        (0..12).map(|i| i % 2).collect(),
        vec!["even".into(), "odd".into()],
        3,
    );
    let image = render(&drawing, "graph", "A ring");
    assert!(count_near(&image, rgb(class_color(1)), WHOLE) > 100);

    let degrees = DegreeDistribution::new("Degrees", vec![1, 1, 1, 1, 2, 2, 3, 8, 0]);
    assert_eq!(degrees.histogram(), vec![(1, 4), (2, 2), (3, 1), (8, 1)]);
    let image = render(&degrees, "degrees", "Degrees");
    assert!(count_near(&image, rgb(class_color(0)), WHOLE) > 40);
}

#[test]
fn feature_maps_share_one_scale_and_heatmaps_blend() {
    // Channel 0 is all low, channel 1 all high: with one shared scale they take the two ends.
    let maps = vec![
        vec![0.0f32; 16],
        vec![4.0f32; 16],
        (0..16).map(|v| v as f32 / 4.0).collect(),
    ];
    let grid = FeatureMapGrid::new("Stage features", maps, 4, 4, 3);
    assert_eq!(grid.value_range(), (0.0, 4.0));
    let image = render(&grid, "feature_maps", "Stage features");
    assert!(
        count_near(&image, rgb(viridis(0.0)), WHOLE) > 2000,
        "low end"
    );
    assert!(
        count_near(&image, rgb(viridis(1.0)), WHOLE) > 2000,
        "high end"
    );

    let mut picture = vec![128u8; 8 * 8 * 3];
    picture[..3].copy_from_slice(&[255, 255, 255]);
    let mut heat = vec![0.0f32; 4];
    heat[3] = 1.0; // bottom-right hot
    let overlay = HeatmapOverlay::new("Grad-CAM", picture, (8, 8), heat, (2, 2));
    let image = render(&overlay, "gradcam", "Grad-CAM");
    // Hot (red) blend in the bottom-right of the image, cold (blue) at the top-left.
    let red = (127, 70, 70);
    let blue = (70, 70, 127);
    assert!(count_near(&image, blue, (0, 30, 200, 200)) > 1000);
    assert!(count_near(&image, red, (240, 240, 480, 480)) > 1000);
}

#[test]
fn bad_data_is_refused_before_any_file_appears() {
    let directory = output_directory("refused");
    let path = directory.join("never.png");
    let mismatched = BarChart::new("x", "y", vec!["a".into()], vec![1.0, 2.0]);
    assert!(matches!(
        save(&mismatched, &path, SIZE),
        Err(PlotError::InvalidData { .. })
    ));
    let not_finite = Curves::new("t", "x", "y").with_series("s", vec![1.0, f64::NAN]);
    assert!(
        save(&not_finite, &path, SIZE)
            .unwrap_err()
            .to_string()
            .contains("s[1] is not finite")
    );
    let empty = Curves::new("t", "x", "y");
    assert!(save(&empty, &path, SIZE).is_err());
    let wrong = ConfusionMatrix::new("c", vec!["a".into()], vec![vec![1, 2]]);
    assert!(save(&wrong, &path, SIZE).is_err());
    let curves = Curves::new("t", "x", "y").with_series("s", vec![1.0]);
    assert!(matches!(
        save(&curves, &directory.join("chart.gif"), SIZE),
        Err(PlotError::Format { .. })
    ));
    assert!(!Path::new(&path).exists());
}

#[test]
fn report_embeds_charts_and_escapes_text() {
    let directory = output_directory("report");
    let chart = directory.join("report_curve.png");
    save(
        &Curves::new("c", "x", "y").with_series("s", vec![1.0, 2.0]),
        &chart,
        SIZE,
    )
    .unwrap();
    let svg = directory.join("report_curve.svg");
    save(
        &Curves::new("c", "x", "y").with_series("s", vec![1.0, 2.0]),
        &svg,
        SIZE,
    )
    .unwrap();
    let mut report = Report::new("Run <1>").with_command("cinder train graph --dataset MUTAG");
    report.heading("Summary");
    report.table(&["fold", "accuracy"], &[vec!["1".into(), "0.9".into()]]);
    report.image(&chart, "loss").unwrap();
    report.image(&svg, "loss (svg)").unwrap();
    let path = directory.join("report.html");
    report.write(&path).unwrap();
    let html = std::fs::read_to_string(&path).unwrap();
    assert!(html.contains("<h1>Run &lt;1&gt;</h1>"));
    assert!(
        html.contains("data:image/png;base64,iVBORw0KGgo"),
        "PNG signature in base64"
    );
    assert!(html.contains("<svg"));
    assert!(html.contains("cinder train graph --dataset MUTAG"));
    assert!(report.image(&directory.join("missing.png"), "x").is_err());
}
