//! The estimate by the levels of an ordered covariate (year) with its interval band and the
//! observed counts.

use super::*;

/// One level of the trend.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendPoint {
    /// The level (`2015`).
    pub level: String,
    /// Observed cases.
    pub observed: f64,
    /// Estimated total.
    pub estimate: f64,
    /// Lower limit.
    pub lower: Option<f64>,
    /// Upper limit.
    pub upper: Option<f64>,
}

const BAND: RGBColor = RGBColor(150, 180, 225);
const OBSERVED: RGBColor = RGBColor(190, 190, 196);

/// The estimated total at each level of `covariate` (points joined by a red line), its
/// interval as a shaded band (where both limits exist; a level without them breaks the
/// band), and the observed cases as grey bars; the legend below names the interval
/// (`interval`, e.g. `95% BCa bootstrap`).
///
/// # Errors
/// [`Error::Undefined`] for no points or no finite estimate; [`Error::Io`] if drawing fails.
pub fn trend_svg(
    points: &[TrendPoint],
    covariate: &str,
    interval: &str,
    title: &str,
) -> Result<String> {
    if points.is_empty() || points.iter().all(|p| !p.estimate.is_finite()) {
        return Err(Error::Undefined {
            what: "the trend plot",
            reason: "no level has an estimate".into(),
        });
    }
    let top = points
        .iter()
        .flat_map(|p| [Some(p.estimate), p.upper, Some(p.observed)])
        .flatten()
        .filter(|x| x.is_finite())
        .fold(0.0f64, f64::max);
    let ymax = if top > 0.0 { top * 1.08 } else { 1.0 };
    let k = points.len();
    let (w, h) = (900u32, 600u32);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        let (chart_area, footer) = titled_page(&root, title, 64)?;
        let mut chart = ChartBuilder::on(&chart_area)
            .margin_left(15)
            .margin_right(30)
            .margin_top(10)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d(-0.6f64..(k as f64 - 0.4), 0f64..ymax)
            .map_err(draw_err)?;
        let labels: Vec<String> = points.iter().map(|p| p.level.clone()).collect();
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(RGBColor(240, 240, 240))
            .max_light_lines(1)
            .x_labels(k.min(40))
            .x_label_formatter(&|v| {
                let i = v.round();
                if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < labels.len() {
                    labels[i as usize].clone()
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|v| fmt_n(*v))
            .x_desc(covariate)
            .y_desc("cases")
            .axis_desc_style((FONT, 18))
            .label_style((FONT, 15))
            .draw()
            .map_err(draw_err)?;
        chart
            .draw_series(points.iter().enumerate().map(|(i, p)| {
                let x = i as f64;
                Rectangle::new([(x - 0.28, 0.0), (x + 0.28, p.observed)], OBSERVED.filled())
            }))
            .map_err(draw_err)?;
        // The band, one polygon per run of levels with both limits.
        let mut run: Vec<(f64, f64, f64)> = Vec::new();
        let mut runs = Vec::new();
        for (i, p) in points.iter().enumerate() {
            match (p.lower, p.upper) {
                (Some(l), Some(u)) if l.is_finite() && u.is_finite() => run.push((i as f64, l, u)),
                _ => runs.push(std::mem::take(&mut run)),
            }
        }
        runs.push(run);
        for r in runs.into_iter().filter(|r| !r.is_empty()) {
            type Edge = Vec<(f64, f64)>;
            let (lo, hi): (Edge, Edge) = if r.len() == 1 {
                let (x, l, u) = r[0];
                (
                    vec![(x - 0.15, l), (x + 0.15, l)],
                    vec![(x + 0.15, u), (x - 0.15, u)],
                )
            } else {
                (
                    r.iter().map(|&(x, l, _)| (x, l)).collect(),
                    r.iter().rev().map(|&(x, _, u)| (x, u)).collect(),
                )
            };
            let poly: Vec<(f64, f64)> = lo.into_iter().chain(hi).collect();
            chart
                .draw_series(std::iter::once(Polygon::new(poly, BAND.mix(0.45).filled())))
                .map_err(draw_err)?;
        }
        let est: Vec<(f64, f64)> = points
            .iter()
            .enumerate()
            .filter(|(_, p)| p.estimate.is_finite())
            .map(|(i, p)| (i as f64, p.estimate))
            .collect();
        chart
            .draw_series(LineSeries::new(est.clone(), POINT.stroke_width(3)))
            .map_err(draw_err)?;
        chart
            .draw_series(
                est.iter()
                    .map(|&(x, y)| Circle::new((x, y), 5, POINT.filled())),
            )
            .map_err(draw_err)?;
        chart
            .draw_series(est.iter().map(|&(x, y)| {
                Text::new(
                    fmt_n(y),
                    (x, y),
                    text_style(14.0, &DARK, HPos::Center, VPos::Bottom),
                )
            }))
            .map_err(draw_err)?;

        let x0 = 90;
        legend_line(&footer, x0, 14, &POINT, false, "estimated total N\u{302}")?;
        footer
            .draw(&Rectangle::new(
                [(x0 + 290, 6), (x0 + 318, 22)],
                BAND.mix(0.45).filled(),
            ))
            .map_err(draw_err)?;
        footer
            .draw(&Text::new(
                format!("{interval} interval"),
                (x0 + 326, 14),
                text_style(16.0, &BLACK, HPos::Left, VPos::Center),
            ))
            .map_err(draw_err)?;
        footer
            .draw(&Rectangle::new(
                [(x0 + 600, 6), (x0 + 628, 22)],
                OBSERVED.filled(),
            ))
            .map_err(draw_err)?;
        footer
            .draw(&Text::new(
                "observed cases".to_string(),
                (x0 + 636, 14),
                text_style(16.0, &BLACK, HPos::Left, VPos::Center),
            ))
            .map_err(draw_err)?;
        root.present().map_err(draw_err)?;
    }
    Ok(svg)
}
