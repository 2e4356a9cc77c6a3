//! The posterior of N averaged over decomposable graphs (dga), with the most probable graphs'
//! own posteriors.

use super::*;
use crate::data::table::term_label;
use crate::estimators::dga::DgaPosterior;
use crate::estimators::Interval;

/// Above, the posterior pmf of N (dga's thinned points) with its median (solid red) and the
/// interval's limits (dashed blue); below, one row per most probable graph: its cliques by
/// list names, its posterior probability, and the 2.5%–97.5% range (bar) and median (dot) of
/// N given that graph.
///
/// # Errors
/// [`Error::Undefined`] without pmf points; [`Error::Io`] if drawing fails.
pub fn graphs_svg(
    p: &DgaPosterior,
    interval: &Interval,
    names: &[String],
    title: &str,
) -> Result<String> {
    if p.pmf.is_empty() {
        return Err(Error::Undefined {
            what: "the graph-averaging plot",
            reason: "the posterior has no pmf points (PmfOutput::None)".into(),
        });
    }
    let q = |qs: &[crate::estimators::dga::Quantile], l: f64| {
        qs.iter()
            .find(|x| (x.level - l).abs() < 1e-9)
            .map(|x| x.n as f64)
    };
    // Shown range: up to the 99.5% quantile (or the interval's upper limit), not the grid top.
    let lo = p.pmf.first().map_or(0.0, |x| x.n as f64);
    let mut hi = q(&p.quantiles, 0.995).unwrap_or(p.pmf.last().map_or(1.0, |x| x.n as f64));
    if let Some(u) = interval.upper {
        hi = hi.max(u);
    }
    for g in &p.top_graphs {
        if let Some(x) = q(&g.quantiles, 0.975) {
            hi = hi.max(x);
        }
    }
    let hi = hi.max(lo + 1.0);
    let shown: Vec<(f64, f64)> = p
        .pmf
        .iter()
        .map(|x| (x.n as f64, x.probability))
        .filter(|&(n, _)| n <= hi)
        .collect();
    let ymax = shown.iter().map(|x| x.1).fold(0.0, f64::max) * 1.1;
    let k = p.top_graphs.len();
    let (w, h) = (900u32, 420 + 34 * k as u32 + 60);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        let (body, footer) = titled_page(&root, title, 40)?;
        let (upper, lower) = body.split_vertically(360);
        let mut chart = ChartBuilder::on(&upper)
            .margin_left(15)
            .margin_right(30)
            .margin_top(10)
            .x_label_area_size(45)
            .y_label_area_size(90)
            .build_cartesian_2d(lo..hi, 0.0..ymax.max(1e-300))
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .light_line_style(RGBColor(240, 240, 240))
            .max_light_lines(1)
            .x_desc("population size N")
            .y_desc("posterior probability")
            .x_label_formatter(&|v| fmt_n(*v))
            .y_label_formatter(&|v| format!("{v:.1e}"))
            .axis_desc_style((FONT, 16))
            .label_style((FONT, 14))
            .draw()
            .map_err(draw_err)?;
        chart
            .draw_series(AreaSeries::new(shown.iter().copied(), 0.0, BAR.mix(0.8)))
            .map_err(draw_err)?;
        let median = p.median as f64;
        chart
            .draw_series(LineSeries::new(
                [(median, 0.0), (median, ymax)],
                POINT.stroke_width(3),
            ))
            .map_err(draw_err)?;
        for x in [interval.lower, interval.upper].into_iter().flatten() {
            chart
                .draw_series(DashedLineSeries::new(
                    [(x, 0.0), (x, ymax)],
                    8,
                    5,
                    LIMIT.stroke_width(3),
                ))
                .map_err(draw_err)?;
        }
        // The top graphs: a bar from the 2.5% to the 97.5% quantile of N given the graph.
        let mut rows = ChartBuilder::on(&lower)
            .margin_left(15)
            .margin_right(30)
            .margin_top(10)
            .x_label_area_size(0)
            .y_label_area_size(90)
            .build_cartesian_2d(lo..hi, 0.0..(k.max(1) as f64))
            .map_err(draw_err)?;
        for (i, g) in p.top_graphs.iter().enumerate() {
            let y = k as f64 - i as f64 - 0.5;
            if let (Some(a), Some(b)) = (q(&g.quantiles, 0.025), q(&g.quantiles, 0.975)) {
                rows.draw_series(LineSeries::new(
                    [(a, y), (b, y)],
                    LIMIT.mix(0.6).stroke_width(6),
                ))
                .map_err(draw_err)?;
            }
            rows.draw_series([Circle::new((g.median as f64, y), 5, POINT.filled())])
                .map_err(draw_err)?;
            let cliques: Vec<String> = g
                .cliques
                .iter()
                .map(|&c| term_label(c, names, "-"))
                .collect();
            let (px, py) = rows.backend_coord(&(lo, y));
            root.draw(&Text::new(
                format!("{:.1}%  {}", 100.0 * g.probability, cliques.join(", ")),
                (px + 6, py - 12),
                text_style(13.0, &DARK, HPos::Left, VPos::Bottom),
            ))
            .map_err(draw_err)?;
        }
        let lim = |v: Option<f64>| v.map_or("undetermined".to_string(), fmt_n);
        footer
            .draw(&Text::new(
                format!(
                    "median {} and {} {} interval [{}, {}], averaged over {} graphs",
                    fmt_n(median),
                    fmt_level(interval.level),
                    method_name(interval.method.name()),
                    lim(interval.lower),
                    lim(interval.upper),
                    fmt_n(p.graphs as f64)
                ),
                (20, 10),
                text_style(13.0, &NOTE, HPos::Left, VPos::Center),
            ))
            .map_err(draw_err)?;
        footer
            .draw(&Text::new(
                "rows: the most probable graphs (posterior probability, cliques) with N given \
                 each graph (median, 2.5%\u{2013}97.5%)",
                (20, 28),
                text_style(13.0, &NOTE, HPos::Left, VPos::Center),
            ))
            .map_err(draw_err)?;
        root.present().map_err(draw_err)?;
    }
    Ok(svg)
}
