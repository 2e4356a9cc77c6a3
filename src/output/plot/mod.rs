//! SVG plots: the bootstrap distribution with its interval, the model ranking, an UpSet-style
//! chart of the capture histories, the trace and posterior of an MCMC method, and a coverage
//! study (coverage against the nominal level, the estimates with the truth).
//!
//! Every function returns a complete, self-contained SVG document as a `String` (drawn with
//! plotters' SVG backend). All labels are SVG `<text>` elements, so no font files are needed
//! to draw, and the text stays searchable and selectable in a browser.

mod bootstrap;
mod graphs;
mod posterior;
mod ranking;
mod simulation;
mod upset;

pub use bootstrap::bootstrap_svg;
pub use graphs::graphs_svg;
pub use posterior::posterior_svg;
pub use ranking::ranking_svg;
pub use simulation::simulation_svg;
pub use upset::upset_svg;

use crate::error::{Error, Result};
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
        "credible" => "credible".into(),
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
