//! A coverage study: coverage against the nominal level, and the estimates with the truth.

use super::*;
use crate::numeric::quantile_type8;
use crate::uncertainty::Simulation;

/// Two panels: on the left the coverage of the truth at each nominal level studied (points
/// with error bars of ±1.96 Monte-Carlo standard errors) against the diagonal where coverage
/// equals the nominal level; on the right a histogram of the tables' estimates (40 bins over
/// their 0.5 %–99.5 % quantiles widened to the truth) with the truth as a solid red line and
/// the median estimate dashed. The footer names the truth, the tables and the failures.
///
/// # Errors
/// [`Error::Undefined`] if no table has an estimate; [`Error::Io`] if drawing fails.
pub fn simulation_svg(sim: &Simulation, title: &str) -> Result<String> {
    let truth = sim.truth.population as f64;
    let mut est: Vec<f64> = sim
        .trials
        .iter()
        .filter_map(|t| t.estimate.filter(|x| x.is_finite()))
        .collect();
    if est.is_empty() {
        return Err(Error::Undefined {
            what: "the plot of the estimates",
            reason: format!(
                "none of the {} simulated tables has an estimate",
                sim.trials.len()
            ),
        });
    }
    est.sort_by(f64::total_cmp);
    let median = quantile_type8(&est, 0.5);
    let (q1, q3) = (quantile_type8(&est, 0.25), quantile_type8(&est, 0.75));
    let iqr = q3 - q1;
    let mut lo = quantile_type8(&est, 0.005);
    let mut hi = quantile_type8(&est, 0.995);
    if iqr > 0.0 {
        lo = lo.max(q1 - FENCE * iqr);
        hi = hi.min(q3 + FENCE * iqr);
    }
    lo = lo.min(truth);
    hi = hi.max(truth);
    if hi - lo <= 0.0 {
        let w = (0.01 * lo.abs()).max(1.0);
        lo -= w;
        hi += w;
    }
    let width = (hi - lo) / BINS as f64;
    let mut bins = [0u32; BINS];
    let mut outside = 0usize;
    for &x in &est {
        if x < lo || x > hi {
            outside += 1;
        } else {
            bins[(((x - lo) / width) as usize).min(BINS - 1)] += 1;
        }
    }
    let top = bins.iter().copied().max().unwrap_or(0);
    let ymax = top + (top / 8).max(1);
    let pad = 0.03 * (hi - lo);

    // Coverage panel ranges.
    let pts: Vec<(f64, f64, f64)> = sim
        .levels
        .iter()
        .filter_map(|l| Some((l.level, l.coverage?, l.coverage_se.unwrap_or(0.0))))
        .collect();
    let x0 = sim.levels.iter().map(|l| l.level).fold(1.0, f64::min);
    let x_lo = (x0 - 0.05).max(0.0);
    let y_lo = pts
        .iter()
        .map(|p| p.1 - 1.96 * p.2)
        .fold(x_lo, f64::min)
        .max(0.0)
        - 0.02;
    let y_lo = y_lo.max(0.0);

    let (w, h) = (1200u32, 600u32);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        let (body, footer) = titled_page(&root, title, 84)?;
        let (left, right) = body.split_horizontally(560);

        let mut cov = ChartBuilder::on(&left)
            .margin_left(15)
            .margin_right(25)
            .margin_top(10)
            .x_label_area_size(50)
            .y_label_area_size(70)
            .build_cartesian_2d(x_lo..1.0, y_lo..1.0)
            .map_err(draw_err)?;
        cov.configure_mesh()
            .light_line_style(RGBColor(240, 240, 240))
            .max_light_lines(1)
            .x_desc("nominal level")
            .y_desc("coverage of the truth")
            .x_label_formatter(&|v| fmt_level(*v))
            .y_label_formatter(&|v| fmt_level(*v))
            .axis_desc_style((FONT, 18))
            .label_style((FONT, 15))
            .draw()
            .map_err(draw_err)?;
        let d0 = x_lo.max(y_lo);
        cov.draw_series(DashedLineSeries::new(
            [(d0, d0), (1.0, 1.0)],
            8,
            5,
            DARK.stroke_width(2),
        ))
        .map_err(draw_err)?;
        for &(x, c, se) in &pts {
            let (a, b) = ((c - 1.96 * se).max(0.0), (c + 1.96 * se).min(1.0));
            cov.draw_series(LineSeries::new([(x, a), (x, b)], LIMIT.stroke_width(2)))
                .map_err(draw_err)?;
            let tick = 0.006 * (1.0 - x_lo);
            for y in [a, b] {
                cov.draw_series(LineSeries::new(
                    [(x - tick, y), (x + tick, y)],
                    LIMIT.stroke_width(2),
                ))
                .map_err(draw_err)?;
            }
        }
        cov.draw_series(
            pts.iter()
                .map(|&(x, c, _)| Circle::new((x, c), 5, POINT.filled())),
        )
        .map_err(draw_err)?;

        let mut hist = ChartBuilder::on(&right)
            .margin_left(15)
            .margin_right(30)
            .margin_top(10)
            .x_label_area_size(50)
            .y_label_area_size(60)
            .build_cartesian_2d((lo - pad)..(hi + pad), 0u32..ymax)
            .map_err(draw_err)?;
        hist.configure_mesh()
            .disable_x_mesh()
            .light_line_style(RGBColor(240, 240, 240))
            .max_light_lines(1)
            .x_desc("estimate of N on a simulated table")
            .y_desc("tables")
            .x_label_formatter(&|v| fmt_n(*v))
            .x_labels(6)
            .axis_desc_style((FONT, 18))
            .label_style((FONT, 15))
            .draw()
            .map_err(draw_err)?;
        hist.draw_series(
            bins.iter()
                .enumerate()
                .filter(|(_, &c)| c > 0)
                .map(|(k, &c)| {
                    let a = lo + k as f64 * width;
                    Rectangle::new([(a, 0), (a + width, c)], BAR.filled())
                }),
        )
        .map_err(draw_err)?;
        hist.draw_series(
            bins.iter()
                .enumerate()
                .filter(|(_, &c)| c > 0)
                .map(|(k, &c)| {
                    let a = lo + k as f64 * width;
                    Rectangle::new([(a, 0), (a + width, c)], BAR_EDGE.stroke_width(1))
                }),
        )
        .map_err(draw_err)?;
        hist.draw_series(LineSeries::new(
            [(truth, 0), (truth, ymax)],
            POINT.stroke_width(3),
        ))
        .map_err(draw_err)?;
        hist.draw_series(DashedLineSeries::new(
            [(median, 0), (median, ymax)],
            8,
            5,
            LIMIT.stroke_width(3),
        ))
        .map_err(draw_err)?;

        let x0 = 90;
        legend_line(
            &footer,
            x0,
            12,
            &LIMIT,
            false,
            "coverage \u{b1} 1.96 Monte-Carlo SE; dashed: coverage = nominal",
        )?;
        legend_line(
            &footer,
            x0 + 560,
            12,
            &POINT,
            false,
            &format!("truth N = {}", fmt_n(truth)),
        )?;
        legend_line(
            &footer,
            x0 + 820,
            12,
            &LIMIT,
            true,
            &format!("median estimate {}", fmt_n(median)),
        )?;
        let mut note = format!(
            "{} tables simulated from {} ({}); {} with an estimate",
            sim.trials.len(),
            sim.truth.label,
            sim.options.scheme,
            est.len()
        );
        if sim.failed.tables > 0 {
            note.push_str(&format!(
                "; {} without an estimate or an interval",
                sim.failed.tables
            ));
        }
        if outside > 0 {
            note.push_str(&format!("; {outside} estimates outside the plotted range"));
        }
        footer
            .draw(&Text::new(
                note,
                (x0, 44),
                text_style(15.0, &NOTE, HPos::Left, VPos::Center),
            ))
            .map_err(draw_err)?;
        root.present().map_err(draw_err)?;
    }
    Ok(svg)
}
