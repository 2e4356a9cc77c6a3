//! SVG plots: the bootstrap distribution with its interval, the model ranking, and an
//! UpSet-style chart of the capture histories.
//!
//! Every function returns a complete, self-contained SVG document as a `String` (drawn with
//! plotters' SVG backend). All labels are SVG `<text>` elements, so no font files are needed
//! to draw, and the text stays searchable and selectable in a browser.

use crate::data::table::CaptureTable;
use crate::error::{Error, Result};
use crate::estimators::Interval;
use crate::loglinear::Criterion;
use crate::numeric::quantile_type8;
use crate::selection::{RankedModel, SearchResult};
use crate::uncertainty::Bootstrap;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Number of histogram bins of [`bootstrap_svg`].
const BINS: usize = 40;
/// Points of [`ranking_svg`] labelled with their rank.
const LABELLED: usize = 5;
/// Most capture histories shown by [`upset_svg`].
const MAX_HISTORIES: usize = 30;
/// The histogram range of [`bootstrap_svg`] ends at most this many interquartile ranges
/// beyond the quartiles.
const FENCE: f64 = 6.0;

const FONT: &str = "sans-serif";
const BAR: RGBColor = RGBColor(158, 184, 214);
const BAR_EDGE: RGBColor = RGBColor(92, 122, 160);
const POINT: RGBColor = RGBColor(200, 30, 30);
const LIMIT: RGBColor = RGBColor(20, 90, 200);
const DARK: RGBColor = RGBColor(50, 50, 60);
const LIGHT: RGBColor = RGBColor(205, 205, 210);
const STRIPE: RGBColor = RGBColor(243, 243, 246);
const NOTE: RGBColor = RGBColor(70, 70, 70);

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// A drawing failure as the crate's error (plotters reports e.g. an invalid coordinate range).
fn draw_err(e: impl std::fmt::Display) -> Error {
    Error::Io {
        file: "<svg plot>".into(),
        source: std::io::Error::other(format!("drawing the plot failed: {e}")),
    }
}

/// The page of a chart: white background, the title, and the body split into the chart
/// area and a footer of `footer_h` pixels for the legend and notes.
fn titled_page<'a>(root: &Area<'a>, title: &str, footer_h: i32) -> Result<(Area<'a>, Area<'a>)> {
    root.fill(&WHITE).map_err(draw_err)?;
    let body = root
        .titled(title, (FONT, 24).into_font().color(&BLACK))
        .map_err(draw_err)?;
    let body_h = body.dim_in_pixel().1 as i32;
    Ok(body.split_vertically(body_h - footer_h))
}

/// Text style of a given plotters size (the SVG font size is `size / 1.24` px).
fn text_style(size: f64, color: &RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
    (FONT, size).into_font().color(color).pos(Pos::new(h, v))
}

/// Round to an integer and group thousands: `11313.4` → `"11,313"`.
fn fmt_n(x: f64) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    let r = x.round();
    let digits = format!("{:.0}", r.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if r < 0.0 {
        format!("-{out}")
    } else {
        out
    }
}

/// A coverage level as a percentage: `0.95` → `"95%"`, `0.995` → `"99.5%"`.
fn fmt_level(level: f64) -> String {
    let p = format!("{:.4}", level * 100.0);
    let p = p.trim_end_matches('0').trim_end_matches('.');
    format!("{p}%")
}

/// Display name of an interval method.
fn method_name(method: &str) -> String {
    match method {
        "bca" => "BCa".into(),
        "wald" => "Wald".into(),
        "profile" => "profile-likelihood".into(),
        other => other.into(),
    }
}

/// A small legend entry: a line sample (solid or dashed) followed by its text.
fn legend_line(
    area: &Area,
    x: i32,
    y: i32,
    color: &RGBColor,
    dashed: bool,
    text: &str,
) -> Result<()> {
    let style = color.stroke_width(2);
    if dashed {
        for k in 0..3 {
            let x0 = x + k * 11;
            area.draw(&PathElement::new(vec![(x0, y), (x0 + 6, y)], style))
                .map_err(draw_err)?;
        }
    } else {
        area.draw(&PathElement::new(vec![(x, y), (x + 28, y)], style))
            .map_err(draw_err)?;
    }
    area.draw(&Text::new(
        text.to_string(),
        (x + 36, y),
        text_style(16.0, &BLACK, HPos::Left, VPos::Center),
    ))
    .map_err(draw_err)
}

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

/// Scatter of the ranking criterion (BIC or AIC, per `r.criterion`) against the population
/// estimate for the best `top` models of a search, the best model highlighted and labelled.
///
/// # Errors
/// [`Error::Undefined`] if the ranking (or `top`) is empty; [`Error::Io`] if drawing fails.
pub fn ranking_svg(
    r: &SearchResult,
    table: &CaptureTable,
    top: usize,
    title: &str,
) -> Result<String> {
    let models = &r.models[..top.min(r.models.len())];
    let Some(best) = models.first() else {
        return Err(Error::Undefined {
            what: "the ranking plot",
            reason: "no model to show (the ranking is empty or top = 0)".into(),
        });
    };
    let (crit, key): (&str, fn(&RankedModel) -> f64) = match r.criterion {
        Criterion::Bic => ("BIC", |m| m.bic),
        Criterion::Aic => ("AIC", |m| m.aic),
    };
    let pts: Vec<(f64, f64)> = models
        .iter()
        .map(|m| (key(m), m.estimate))
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .collect();
    if pts.is_empty() {
        return Err(Error::Undefined {
            what: "the ranking plot",
            reason: format!("no shown model has a finite {crit} and estimate"),
        });
    }
    let range = |v: &mut dyn Iterator<Item = f64>| {
        let (mut a, mut b) = (f64::INFINITY, f64::NEG_INFINITY);
        for x in v {
            a = a.min(x);
            b = b.max(x);
        }
        let p = if b > a {
            0.08 * (b - a)
        } else {
            (0.05 * a.abs()).max(1.0)
        };
        (a - p, b + p)
    };
    let (x0, x1) = range(&mut pts.iter().map(|p| p.0));
    let (y0, y1) = range(&mut pts.iter().map(|p| p.1));
    let label = best.model(table.lists()).label(table.names());

    let (w, h) = (900u32, 600u32);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        let (chart_area, footer) = titled_page(&root, title, 96)?;
        let mut chart = ChartBuilder::on(&chart_area)
            .margin_left(15)
            .margin_right(30)
            .margin_top(10)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .light_line_style(RGBColor(240, 240, 240))
            .max_light_lines(1)
            .x_desc(crit)
            .y_desc("estimated population N")
            .y_label_formatter(&|v| fmt_n(*v))
            .axis_desc_style((FONT, 18))
            .label_style((FONT, 15))
            .draw()
            .map_err(draw_err)?;
        chart
            .draw_series(
                pts.iter()
                    .skip(1)
                    .map(|&p| Circle::new(p, 5, LIMIT.mix(0.55).filled())),
            )
            .map_err(draw_err)?;
        // Rank labels beside the next best points.
        for (rank, m) in models.iter().enumerate().skip(1).take(LABELLED - 1) {
            let p = (key(m), m.estimate);
            if p.0.is_finite() && p.1.is_finite() {
                let (px, py) = chart.backend_coord(&p);
                root.draw(&Text::new(
                    format!("{}", rank + 1),
                    (px + 8, py - 4),
                    text_style(13.0, &DARK, HPos::Left, VPos::Bottom),
                ))
                .map_err(draw_err)?;
            }
        }
        let bp = (key(best), best.estimate);
        if bp.0.is_finite() && bp.1.is_finite() {
            chart
                .draw_series([
                    Circle::new(bp, 8, POINT.filled()),
                    Circle::new(bp, 11, POINT.stroke_width(2)),
                ])
                .map_err(draw_err)?;
            // Label beside the marker (the best model has the smallest criterion, so it is
            // the leftmost point and the label runs into the plot).
            let (px, py) = chart.backend_coord(&bp);
            root.draw(&Text::new(
                format!("best: {label}"),
                (px + 14, py - 10),
                text_style(16.0, &POINT, HPos::Left, VPos::Bottom),
            ))
            .map_err(draw_err)?;
        }
        let by = 14;
        footer
            .draw(&Circle::new((96, by), 6, POINT.filled()))
            .map_err(draw_err)?;
        footer
            .draw(&Text::new(
                format!(
                    "best model by {crit}: {label}, {crit} = {:.2}, N\u{302} = {}",
                    key(best),
                    fmt_n(best.estimate)
                ),
                (110, by),
                text_style(16.0, &BLACK, HPos::Left, VPos::Center),
            ))
            .map_err(draw_err)?;
        footer
            .draw(&Circle::new((96, by + 26), 5, LIMIT.mix(0.55).filled()))
            .map_err(draw_err)?;
        footer
            .draw(&Text::new(
                format!(
                    "models ranked 2\u{2013}{} of {} examined ({} excluded: no MLE or not identifiable)",
                    models.len(),
                    fmt_n(r.examined as f64),
                    fmt_n(r.excluded as f64)
                ),
                (110, by + 26),
                text_style(16.0, &BLACK, HPos::Left, VPos::Center),
            ))
            .map_err(draw_err)?;
        let key_text = format!(
            "lists: {}; best by name: {}; points 2\u{2013}{} labelled by rank",
            table
                .names()
                .iter()
                .enumerate()
                .map(|(i, n)| format!("{} = {n}", i + 1))
                .collect::<Vec<_>>()
                .join(", "),
            best.model(table.lists()).describe(table.names()),
            LABELLED.min(models.len())
        );
        footer
            .draw(&Text::new(
                key_text,
                (96, by + 52),
                text_style(14.0, &NOTE, HPos::Left, VPos::Center),
            ))
            .map_err(draw_err)?;
        root.present().map_err(draw_err)?;
    }
    Ok(svg)
}

/// UpSet-style chart of a capture table: one column per observed capture history (by count,
/// descending, at most 30), a bar with its count above and a dot matrix below marking the lists
/// in the history; list sizes as horizontal bars beside the list names.
///
/// # Errors
/// [`Error::Io`] if drawing fails.
pub fn upset_svg(table: &CaptureTable, title: &str) -> Result<String> {
    let t = table.lists();
    let names = table.names();
    let mut cells = table.observed_cells();
    // Stable: ties keep the canonical order.
    cells.sort_by_key(|&h| std::cmp::Reverse(table.count(h)));
    let total = cells.len();
    cells.truncate(MAX_HISTORIES);
    let k = cells.len().max(1);
    let max_count = cells
        .iter()
        .map(|&h| table.count(h))
        .max()
        .unwrap_or(0)
        .max(1);
    let sizes: Vec<u64> = (0..t).map(|i| table.list_size(i)).collect();
    let max_size = sizes.iter().copied().max().unwrap_or(0).max(1);

    // Horizontal layout (pixels): [size numbers][size bars][names][matrix / bars].
    let name_chars = names.iter().map(|n| n.chars().count()).max().unwrap_or(1);
    let names_w = (name_chars as i32 * 9 + 12).max(40);
    let nums_w = 50;
    let bars_w = 120;
    let bars_right = 10 + nums_w + bars_w;
    let left = bars_right + 10 + names_w;
    let col_w = 28;
    let w = (left + k as i32 * col_w + 30).max(700);
    let y_area = 60;
    let row_h = 26;
    let title_h = 44;
    let panel_h = 300;
    let h = title_h + panel_h + 10 + t as i32 * row_h + 66;

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w as u32, h as u32)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        root.draw(&Text::new(
            title.to_string(),
            (w / 2, 10),
            text_style(24.0, &BLACK, HPos::Center, VPos::Top),
        ))
        .map_err(draw_err)?;
        let (_, rest) = root.split_vertically(title_h);
        let (panel, _) = rest.split_vertically(panel_h);
        let mut chart = ChartBuilder::on(&panel)
            .margin_left(left - y_area)
            .margin_right(30)
            .margin_top(10)
            .x_label_area_size(0)
            .y_label_area_size(y_area)
            .build_cartesian_2d(
                -0.5f64..(k as f64 - 0.5),
                0u64..(max_count + max_count / 8 + 1),
            )
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(RGBColor(240, 240, 240))
            .max_light_lines(1)
            .y_desc("cases")
            .axis_desc_style((FONT, 18))
            .label_style((FONT, 15))
            .draw()
            .map_err(draw_err)?;
        chart
            .draw_series(cells.iter().enumerate().map(|(i, &c)| {
                let x = i as f64;
                Rectangle::new([(x - 0.36, 0), (x + 0.36, table.count(c))], DARK.filled())
            }))
            .map_err(draw_err)?;
        chart
            .draw_series(cells.iter().enumerate().map(|(i, &c)| {
                Text::new(
                    table.count(c).to_string(),
                    (i as f64, table.count(c)),
                    text_style(13.0, &DARK, HPos::Center, VPos::Bottom),
                )
            }))
            .map_err(draw_err)?;

        // Dot matrix, in root (absolute) pixels aligned with the bar columns.
        let (x_first, base) = chart.backend_coord(&(-0.5, 0));
        let (x_last, _) = chart.backend_coord(&(k as f64 - 0.5, 0));
        root.draw(&PathElement::new(
            vec![(x_first, base), (x_last, base)],
            DARK,
        ))
        .map_err(draw_err)?;
        let m_top = base + 10;
        let row_y = |j: usize| m_top + j as i32 * row_h + row_h / 2;
        let col_x = |i: usize| chart.backend_coord(&(i as f64, 0)).0;
        for j in 0..t {
            if j % 2 == 0 {
                root.draw(&Rectangle::new(
                    [(10, row_y(j) - row_h / 2), (x_last, row_y(j) + row_h / 2)],
                    STRIPE.filled(),
                ))
                .map_err(draw_err)?;
            }
        }
        for (i, &c) in cells.iter().enumerate() {
            let on: Vec<usize> = (0..t).filter(|&j| c >> j & 1 == 1).collect();
            if let (Some(&a), Some(&b)) = (on.first(), on.last()) {
                if a != b {
                    root.draw(&PathElement::new(
                        vec![(col_x(i), row_y(a)), (col_x(i), row_y(b))],
                        DARK.stroke_width(3),
                    ))
                    .map_err(draw_err)?;
                }
            }
            for j in 0..t {
                let style = if c >> j & 1 == 1 {
                    DARK.filled()
                } else {
                    LIGHT.filled()
                };
                root.draw(&Circle::new((col_x(i), row_y(j)), 7, style))
                    .map_err(draw_err)?;
            }
        }
        // List names and sizes.
        for (j, name) in names.iter().enumerate() {
            let y = row_y(j);
            root.draw(&Text::new(
                name.clone(),
                (left - 10, y),
                text_style(17.0, &BLACK, HPos::Right, VPos::Center),
            ))
            .map_err(draw_err)?;
            let len = ((sizes[j] as f64 / max_size as f64) * bars_w as f64).round() as i32;
            root.draw(&Rectangle::new(
                [(bars_right - len, y - 8), (bars_right, y + 8)],
                BAR.filled(),
            ))
            .map_err(draw_err)?;
            root.draw(&Text::new(
                fmt_n(sizes[j] as f64),
                (bars_right - len - 4, y),
                text_style(14.0, &NOTE, HPos::Right, VPos::Center),
            ))
            .map_err(draw_err)?;
        }
        let m_bottom = m_top + t as i32 * row_h;
        root.draw(&Text::new(
            "list size".to_string(),
            (bars_right - bars_w / 2, m_bottom + 8),
            text_style(16.0, &NOTE, HPos::Center, VPos::Top),
        ))
        .map_err(draw_err)?;
        root.draw(&Text::new(
            "capture history".to_string(),
            ((x_first + x_last) / 2, m_bottom + 8),
            text_style(18.0, &BLACK, HPos::Center, VPos::Top),
        ))
        .map_err(draw_err)?;
        let note = if total > cells.len() {
            format!(
                "the {} largest of {total} observed capture histories; {} cases on {t} lists",
                cells.len(),
                fmt_n(table.observed() as f64)
            )
        } else {
            format!(
                "all {total} observed capture histories; {} cases on {t} lists",
                fmt_n(table.observed() as f64)
            )
        };
        root.draw(&Text::new(
            note,
            ((x_first + x_last) / 2, m_bottom + 36),
            text_style(15.0, &NOTE, HPos::Center, VPos::Top),
        ))
        .map_err(draw_err)?;
        root.present().map_err(draw_err)?;
    }
    Ok(svg)
}
