//! The bootstrap distribution with its interval.

use super::*;
use crate::estimators::Interval;
use crate::numeric::quantile_type8;
use crate::uncertainty::Bootstrap;

/// Histogram of the bootstrap replicate estimates with the point estimate and an interval.
///
/// The histogram has 40 bins over the 0.5 %–99.5 % type-8 quantiles of the finite replicates
/// (capped at 6 interquartile ranges beyond the quartiles, since with a few hundred replicates
/// those quantiles interpolate towards the most extreme one, then widened to include the point
/// estimate and the interval limits), so that a few extreme replicates do not squash the plot; the footer says how many replicates lie outside that
/// range and how many failed (no estimate). The point estimate is a solid red line, the
/// interval limits dashed blue lines, both named in the legend below the chart.
///
/// # Errors
/// [`Error::Undefined`] if no replicate has a finite estimate; [`Error::Io`] if drawing fails.
pub fn bootstrap_svg(b: &Bootstrap, interval: Option<&Interval>, title: &str) -> Result<String> {
    let mut finite: Vec<f64> = b
        .replicates
        .iter()
        .filter_map(|r| r.filter(|x| x.is_finite()))
        .collect();
    if finite.is_empty() {
        return Err(Error::Undefined {
            what: "the bootstrap histogram",
            reason: format!(
                "none of the {} replicates has an estimate",
                b.replicates.len()
            ),
        });
    }
    finite.sort_by(f64::total_cmp);
    let failed = b.replicates.len() - finite.len();

    // Binned range: central 99 % of the replicates, widened to the markers.
    let limits: Vec<f64> = interval
        .map(|i| [i.lower, i.upper].into_iter().flatten().collect())
        .unwrap_or_default();
    // With a few hundred replicates the 0.5 % / 99.5 % quantiles interpolate towards the most
    // extreme replicate, so they are also capped at FENCE interquartile ranges beyond the
    // quartiles.
    let (q1, q3) = (quantile_type8(&finite, 0.25), quantile_type8(&finite, 0.75));
    let iqr = q3 - q1;
    let mut lo = quantile_type8(&finite, 0.005);
    let mut hi = quantile_type8(&finite, 0.995);
    if iqr > 0.0 {
        lo = lo.max(q1 - FENCE * iqr);
        hi = hi.min(q3 + FENCE * iqr);
    }
    for &x in limits.iter().chain(std::iter::once(&b.point)) {
        if x.is_finite() {
            lo = lo.min(x);
            hi = hi.max(x);
        }
    }
    if hi - lo <= 0.0 {
        let w = (0.01 * lo.abs()).max(1.0);
        lo -= w;
        hi += w;
    }
    let width = (hi - lo) / BINS as f64;
    let mut bins = [0u32; BINS];
    let (mut below, mut above) = (0usize, 0usize);
    for &x in &finite {
        if x < lo {
            below += 1;
        } else if x > hi {
            above += 1;
        } else {
            let k = (((x - lo) / width) as usize).min(BINS - 1);
            bins[k] += 1;
        }
    }
    let top = bins.iter().copied().max().unwrap_or(0);
    let ymax = top + (top / 8).max(1);
    let pad = 0.03 * (hi - lo);

    let (w, h) = (900u32, 600u32);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        let (chart_area, footer) = titled_page(&root, title, 84)?;

        let mut chart = ChartBuilder::on(&chart_area)
            .margin_left(15)
            .margin_right(30)
            .margin_top(10)
            .x_label_area_size(50)
            .y_label_area_size(70)
            .build_cartesian_2d((lo - pad)..(hi + pad), 0u32..ymax)
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(RGBColor(240, 240, 240))
            .max_light_lines(1)
            .x_desc("population size N")
            .y_desc("bootstrap replicates")
            .x_label_formatter(&|v| fmt_n(*v))
            .axis_desc_style((FONT, 18))
            .label_style((FONT, 15))
            .draw()
            .map_err(draw_err)?;
        chart
            .draw_series(
                bins.iter()
                    .enumerate()
                    .filter(|(_, &c)| c > 0)
                    .map(|(k, &c)| {
                        let x0 = lo + k as f64 * width;
                        Rectangle::new([(x0, 0), (x0 + width, c)], BAR.filled())
                    }),
            )
            .map_err(draw_err)?;
        chart
            .draw_series(
                bins.iter()
                    .enumerate()
                    .filter(|(_, &c)| c > 0)
                    .map(|(k, &c)| {
                        let x0 = lo + k as f64 * width;
                        Rectangle::new([(x0, 0), (x0 + width, c)], BAR_EDGE.stroke_width(1))
                    }),
            )
            .map_err(draw_err)?;
        if b.point.is_finite() {
            chart
                .draw_series(LineSeries::new(
                    [(b.point, 0), (b.point, ymax)],
                    POINT.stroke_width(3),
                ))
                .map_err(draw_err)?;
        }
        for &x in &limits {
            if x.is_finite() {
                chart
                    .draw_series(DashedLineSeries::new(
                        [(x, 0), (x, ymax)],
                        8,
                        5,
                        LIMIT.stroke_width(3),
                    ))
                    .map_err(draw_err)?;
            }
        }

        // Legend and notes below the chart, where they cannot hide a bar.
        let x0 = 90;
        legend_line(
            &footer,
            x0,
            12,
            &POINT,
            false,
            &format!("point estimate N\u{302} = {}", fmt_n(b.point)),
        )?;
        if let Some(i) = interval {
            let lim = |v: Option<f64>| v.map_or("undetermined".to_string(), fmt_n);
            legend_line(
                &footer,
                x0 + 390,
                12,
                &LIMIT,
                true,
                &format!(
                    "{} {} interval [{}, {}]",
                    fmt_level(i.level),
                    method_name(i.method.name()),
                    lim(i.lower),
                    lim(i.upper)
                ),
            )?;
        }
        let mut note = format!("{} replicates", b.replicates.len());
        if failed == 0 {
            note.push_str(", all with an estimate");
        } else {
            note.push_str(&format!("; {failed} failed (no estimate)"));
        }
        if below + above > 0 {
            note.push_str(&format!(
                "; {} outside the plotted range not shown ({below} below {}, {above} above {})",
                below + above,
                fmt_n(lo),
                fmt_n(hi)
            ));
        } else {
            note.push_str("; all shown");
        }
        let range_note = format!(
            "{BINS} bins of width {} between the 0.5% and 99.5% replicate quantiles \
             (at most {FENCE} IQR beyond the quartiles)",
            fmt_n(width)
        );
        for (line, y) in [(note, 40), (range_note, 62)] {
            footer
                .draw(&Text::new(
                    line,
                    (x0, y),
                    text_style(15.0, &NOTE, HPos::Left, VPos::Center),
                ))
                .map_err(draw_err)?;
        }
        root.present().map_err(draw_err)?;
    }
    Ok(svg)
}
