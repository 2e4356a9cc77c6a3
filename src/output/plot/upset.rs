//! An UpSet-style chart of the capture histories.

use super::*;
use crate::data::table::CaptureTable;

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
