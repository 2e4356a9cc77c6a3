//! The trace of an MCMC method's draws of N, chain by chain, and their pooled posterior with
//! the credible interval.

use super::*;
use crate::estimators::Interval;
use crate::numeric::quantile_type7;

/// Colours of the chains' traces.
const CHAINS: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
];

/// Two panels: above, the retained draws of N of every chain in sampling order (a chain
/// stuck in one mode, or chains that disagree, show at once); below, the histogram of the
/// pooled draws (40 bins between the 0.5% and 99.5% quantiles) with the posterior median
/// (solid red) and the interval's limits (dashed blue).
///
/// # Errors
/// [`Error::Undefined`] without draws; [`Error::Io`] if drawing fails.
pub fn posterior_svg(draws: &[Vec<u64>], interval: &Interval, title: &str) -> Result<String> {
    let mut all: Vec<f64> = draws.iter().flatten().map(|&x| x as f64).collect();
    if all.is_empty() {
        return Err(Error::Undefined {
            what: "the posterior plot",
            reason: "there are no draws".into(),
        });
    }
    all.sort_by(f64::total_cmp);
    let median = quantile_type7(&all, 0.5);
    let (mut lo, mut hi) = (quantile_type7(&all, 0.005), quantile_type7(&all, 0.995));
    for x in [interval.lower, interval.upper].into_iter().flatten() {
        lo = lo.min(x);
        hi = hi.max(x);
    }
    if hi - lo <= 0.0 {
        lo -= 1.0;
        hi += 1.0;
    }
    let (tmin, tmax) = (all[0], all[all.len() - 1]);
    let width = (hi - lo) / BINS as f64;
    let mut bins = [0u32; BINS];
    let mut outside = 0usize;
    for &x in &all {
        if x < lo || x > hi {
            outside += 1;
        } else {
            bins[(((x - lo) / width) as usize).min(BINS - 1)] += 1;
        }
    }
    let top = bins.iter().copied().max().unwrap_or(0);
    let ymax = top + (top / 8).max(1);
    let n_draws = draws.iter().map(Vec::len).max().unwrap_or(0).max(1);

    let (w, h) = (900u32, 760u32);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        let (body, footer) = titled_page(&root, title, 60)?;
        let (upper, lower) = body.split_vertically(320);
        let mut trace = ChartBuilder::on(&upper)
            .margin_left(15)
            .margin_right(30)
            .margin_top(10)
            .x_label_area_size(40)
            .y_label_area_size(80)
            .build_cartesian_2d(0..n_draws, tmin..tmax.max(tmin + 1.0))
            .map_err(draw_err)?;
        trace
            .configure_mesh()
            .light_line_style(RGBColor(240, 240, 240))
            .max_light_lines(1)
            .x_desc("retained draw")
            .y_desc("N")
            .y_label_formatter(&|v| fmt_n(*v))
            .axis_desc_style((FONT, 16))
            .label_style((FONT, 14))
            .draw()
            .map_err(draw_err)?;
        for (c, chain) in draws.iter().enumerate() {
            let colour = CHAINS[c % CHAINS.len()];
            trace
                .draw_series(LineSeries::new(
                    chain.iter().enumerate().map(|(i, &x)| (i, x as f64)),
                    colour.mix(0.7).stroke_width(1),
                ))
                .map_err(draw_err)?;
        }
        let mut hist = ChartBuilder::on(&lower)
            .margin_left(15)
            .margin_right(30)
            .margin_top(20)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d(lo..hi, 0u32..ymax)
            .map_err(draw_err)?;
        hist.configure_mesh()
            .disable_x_mesh()
            .light_line_style(RGBColor(240, 240, 240))
            .max_light_lines(1)
            .x_desc("population size N")
            .y_desc("pooled draws")
            .x_label_formatter(&|v| fmt_n(*v))
            .axis_desc_style((FONT, 16))
            .label_style((FONT, 14))
            .draw()
            .map_err(draw_err)?;
        hist.draw_series(
            bins.iter()
                .enumerate()
                .filter(|(_, &c)| c > 0)
                .map(|(k, &c)| {
                    let x0 = lo + k as f64 * width;
                    Rectangle::new([(x0, 0), (x0 + width, c)], BAR.filled())
                }),
        )
        .map_err(draw_err)?;
        hist.draw_series(LineSeries::new(
            [(median, 0), (median, ymax)],
            POINT.stroke_width(3),
        ))
        .map_err(draw_err)?;
        for x in [interval.lower, interval.upper].into_iter().flatten() {
            hist.draw_series(DashedLineSeries::new(
                [(x, 0), (x, ymax)],
                8,
                5,
                LIMIT.stroke_width(3),
            ))
            .map_err(draw_err)?;
        }
        let lim = |v: Option<f64>| v.map_or("undetermined".to_string(), fmt_n);
        legend_line(
            &footer,
            90,
            12,
            &POINT,
            false,
            &format!("posterior median {}", fmt_n(median)),
        )?;
        legend_line(
            &footer,
            420,
            12,
            &LIMIT,
            true,
            &format!(
                "{} {} interval [{}, {}]",
                fmt_level(interval.level),
                method_name(interval.method.name()),
                lim(interval.lower),
                lim(interval.upper)
            ),
        )?;
        footer
            .draw(&Text::new(
                format!(
                    "{} chains x {} draws; {outside} draws outside the 0.5%-99.5% range not shown in the histogram",
                    draws.len(),
                    n_draws
                ),
                (90, 40),
                text_style(15.0, &NOTE, HPos::Left, VPos::Center),
            ))
            .map_err(draw_err)?;
        root.present().map_err(draw_err)?;
    }
    Ok(svg)
}
