//! PNG charts of latency by percentile, in the style of HdrHistogram's plotter: x is
//! 1/(1-p) on a log scale (so 90%, 99%, 99.9% are equally spaced), y is latency in ms,
//! one line per server and round. Drawn with plotters' bitmap backend; the text uses
//! DejaVu Sans from the `dejavu` crate (plotters' `ab_glyph` feature), so no system fonts
//! are needed.

use std::path::Path;
use std::sync::Once;

use plotters::prelude::*;
use plotters::style::FontStyle;

use crate::results::{Case, SERVERS};
use crate::Res;

static FONT: Once = Once::new();

fn register_font() {
    FONT.call_once(|| {
        let font = dejavu::sans::regular();
        if plotters::style::register_font("sans-serif", FontStyle::Normal, font).is_err() {
            eprintln!("warning: DejaVu Sans did not load; chart text may be missing");
        }
    });
}

/// (server index, round, points (x, latency ms)).
type Line = (usize, usize, Vec<(f64, f64)>);

const COLORS: [RGBColor; 2] = [RGBColor(200, 40, 40), RGBColor(30, 90, 200)];

/// "99.9%" for the 1/(1-p) axis value `x`.
fn percentile_label(x: f64) -> String {
    let p = 100.0 * (1.0 - 1.0 / x);
    let s = format!("{p:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s}%")
}

/// Draws the case's distributions (every round of both servers) into `path`.
pub fn percentiles(case: &Case, title: &str, path: &Path) -> Res<()> {
    register_font();
    let mut lines: Vec<Line> = Vec::new();
    let (mut xmax, mut ymax) = (10.0f64, 0.0f64);
    for (si, samples) in case.samples.iter().enumerate() {
        for (round, s) in samples.iter().enumerate() {
            let Some(d) = &s.dist else { continue };
            let pts: Vec<(f64, f64)> = d
                .points
                .iter()
                .map(|&(v, c)| (d.inverse_tail(c), v))
                .collect();
            for &(x, y) in &pts {
                xmax = xmax.max(x);
                ymax = ymax.max(y);
            }
            lines.push((si, round, pts));
        }
    }
    if lines.is_empty() {
        return Ok(());
    }
    // Round the axis up to a power of ten: 1/(1-p) = 10^k is the "k nines" percentile.
    let xmax = 10f64.powf(xmax.log10().ceil());
    let ymax = if ymax > 0.0 { ymax * 1.08 } else { 1.0 };
    let err = |e: &dyn std::fmt::Display| format!("plot {}: {e}", path.display());

    let root = BitMapBackend::new(path, (1000, 600)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 22))
        .margin(15)
        .margin_right(50)
        .x_label_area_size(45)
        .y_label_area_size(65)
        .build_cartesian_2d((1.0..xmax).log_scale(), 0.0..ymax)
        .map_err(|e| err(&e))?;
    chart
        .configure_mesh()
        .x_desc("percentile (log scale of 1/(1-p))")
        .y_desc("latency (ms)")
        .x_label_formatter(&|x| percentile_label(*x))
        .y_label_formatter(&|y| format!("{y:.2}"))
        .label_style(("sans-serif", 14))
        .axis_desc_style(("sans-serif", 16))
        .draw()
        .map_err(|e| err(&e))?;
    for (si, round, pts) in lines {
        let color = COLORS[si];
        let series = chart
            .draw_series(LineSeries::new(pts, color.stroke_width(2)))
            .map_err(|e| err(&e))?;
        if round == 0 {
            series.label(SERVERS[si]).legend(move |(x, y)| {
                PathElement::new([(x, y), (x + 20, y)], color.stroke_width(3))
            });
        }
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .label_font(("sans-serif", 16))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(|e| err(&e))?;
    root.present().map_err(|e| err(&e))?;
    Ok(())
}
