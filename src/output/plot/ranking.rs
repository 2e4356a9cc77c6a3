//! The model ranking: criterion against estimate.

use super::*;
use crate::data::table::CaptureTable;
use crate::loglinear::Criterion;
use crate::selection::{RankedModel, SearchResult};

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
