//! SVG plots: well-formed XML containing the expected labels as text.

use darkfigure::datasets;
use darkfigure::output::plot::{bootstrap_svg, ranking_svg, upset_svg};
use darkfigure::prelude::{bootstrap, BootstrapOptions, Loglinear};
use darkfigure::selection::{search, SearchOptions};

/// Check well-formedness with a stack of open tags and return the unescaped contents of the
/// `<text>` elements.
fn check_xml(svg: &str) -> Vec<String> {
    let s = svg.trim_start();
    assert!(
        s.starts_with("<svg") || s.starts_with("<?xml"),
        "{}",
        &s[..40.min(s.len())]
    );
    let mut stack: Vec<String> = Vec::new();
    let mut texts = Vec::new();
    let mut roots = 0;
    let mut rest = s;
    while let Some(lt) = rest.find('<') {
        let content = &rest[..lt];
        check_chars(content);
        if stack.last().is_some_and(|t| t == "text") {
            texts.push(unescape(content.trim()));
        } else {
            assert!(
                content.trim().is_empty() || !stack.is_empty(),
                "text outside the root: {content:?}"
            );
        }
        rest = &rest[lt..];
        if let Some(r) = rest.strip_prefix("<?") {
            let end = r.find("?>").expect("unterminated <?");
            rest = &r[end + 2..];
            continue;
        }
        if let Some(r) = rest.strip_prefix("<!--") {
            let end = r.find("-->").expect("unterminated comment");
            rest = &r[end + 3..];
            continue;
        }
        let end = tag_end(rest);
        let tag = &rest[1..end];
        rest = &rest[end + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            let open = stack
                .pop()
                .unwrap_or_else(|| panic!("</{name}> closes nothing"));
            assert_eq!(open, name.trim(), "mismatched close tag");
        } else {
            let self_closing = tag.ends_with('/');
            let body = tag.trim_end_matches('/');
            let name: String = body.chars().take_while(|c| !c.is_whitespace()).collect();
            assert!(!name.is_empty(), "empty tag name");
            assert!(
                name.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ":-_".contains(c)),
                "bad tag name {name:?}"
            );
            check_attributes(&body[name.len()..]);
            if stack.is_empty() {
                roots += 1;
            }
            if !self_closing {
                stack.push(name);
            }
        }
    }
    assert!(rest.trim().is_empty(), "trailing text {rest:?}");
    assert!(stack.is_empty(), "unclosed tags {stack:?}");
    assert_eq!(roots, 1, "exactly one root element");
    texts
}

/// Index of the `>` ending the tag starting at `s[0] == '<'`, skipping quoted values.
fn tag_end(s: &str) -> usize {
    let mut quote = None;
    for (i, c) in s.char_indices().skip(1) {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return i,
            (None, '<') => panic!("'<' inside a tag: {}", &s[..i]),
            _ => {}
        }
    }
    panic!("unterminated tag: {}", &s[..s.len().min(60)]);
}

/// `name="value"` pairs, values without `<` and with valid entities, no duplicate names.
fn check_attributes(mut a: &str) {
    let mut seen = Vec::new();
    loop {
        a = a.trim_start();
        if a.is_empty() {
            return;
        }
        let eq = a
            .find('=')
            .unwrap_or_else(|| panic!("attribute without value: {a:?}"));
        let name = a[..eq].trim();
        assert!(
            !name.is_empty() && !name.contains(char::is_whitespace),
            "{a:?}"
        );
        assert!(
            !seen.contains(&name.to_string()),
            "duplicate attribute {name}"
        );
        seen.push(name.to_string());
        let v = a[eq + 1..].trim_start();
        let q = v.chars().next().expect("value");
        assert!(q == '"' || q == '\'', "unquoted attribute {name}");
        let close = v[1..].find(q).expect("unterminated value") + 1;
        check_chars(&v[1..close]);
        a = &v[close + 1..];
    }
}

/// Character data: no `<`, and every `&` starts a valid entity.
fn check_chars(s: &str) {
    assert!(!s.contains('<'));
    let mut r = s;
    while let Some(i) = r.find('&') {
        r = &r[i + 1..];
        let end = r.find(';').expect("unterminated entity");
        let ent = &r[..end];
        let ok = matches!(ent, "amp" | "lt" | "gt" | "quot" | "apos")
            || ent
                .strip_prefix("#x")
                .is_some_and(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit()))
            || ent
                .strip_prefix('#')
                .is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()));
        assert!(ok, "invalid entity &{ent};");
    }
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

fn has_text(texts: &[String], needle: &str) -> bool {
    texts.iter().any(|t| t.contains(needle))
}

/// Write the SVG for inspection when `DARKFIGURE_PLOT_DIR` is set.
fn save(name: &str, svg: &str) {
    if let Ok(dir) = std::env::var("DARKFIGURE_PLOT_DIR") {
        std::fs::write(std::path::Path::new(&dir).join(name), svg).unwrap();
    }
}

#[test]
fn checker_rejects_malformed_xml() {
    for bad in [
        "<svg><g></svg>",
        "<svg><text>a < b</text></svg>",
        "<svg><text>a & b</text></svg>",
        "<svg a=\"1\" a=\"2\"/>",
        "<svg></svg><svg></svg>",
        "<svg><g></g>",
    ] {
        let r = std::panic::catch_unwind(|| check_xml(bad));
        assert!(r.is_err(), "accepted {bad}");
    }
    let ok = check_xml("<?xml version=\"1.0\"?><svg x=\"&amp;\"><text>a &lt; b</text><g/></svg>");
    assert_eq!(ok, vec!["a < b".to_string()]);
}

#[test]
fn bootstrap_plot() {
    let uk = datasets::uk_2013();
    let b = bootstrap(
        &uk,
        &Loglinear::stepwise(0.02),
        &BootstrapOptions::new(200, 1),
        None,
        None,
    )
    .unwrap();
    let ci = b.interval(
        darkfigure::Level::NINETY_FIVE,
        darkfigure::IntervalMethod::Bca,
    );
    let svg = bootstrap_svg(&b, Some(&ci), "UK 2013: bootstrap <stepwise> & BCa").unwrap();
    save("bootstrap.svg", &svg);
    let texts = check_xml(&svg);
    for needle in [
        "population size N",
        "bootstrap replicates",
        "point estimate",
        "BCa",
        "95% BCa interval [",
        "UK 2013: bootstrap <stepwise> & BCa",
        "200 replicates",
    ] {
        assert!(has_text(&texts, needle), "missing {needle:?} in {texts:?}");
    }
    // The interval limits appear as numbers in the legend.
    let lo = ci.lower.unwrap().round() as u64;
    assert!(
        has_text(&texts, &lo.to_string()) || has_text(&texts, &group(lo)),
        "{texts:?}"
    );
    // Without an interval: no interval legend, still valid.
    let svg = bootstrap_svg(&b, None, "no interval").unwrap();
    let texts = check_xml(&svg);
    assert!(!has_text(&texts, "interval ["));
    assert!(has_text(&texts, "point estimate"));
}

fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[test]
fn bootstrap_plot_clips_extremes_and_counts_failures() {
    let uk = datasets::uk_2013();
    let b = bootstrap(
        &uk,
        &Loglinear::stepwise(0.02),
        &BootstrapOptions::new(200, 1),
        None,
        None,
    )
    .unwrap();
    let mut b2 = b.clone();
    b2.replicates[0] = Some(1e9);
    b2.replicates[1] = None;
    b2.replicates[2] = Some(f64::NAN);
    let svg = bootstrap_svg(&b2, None, "clipped").unwrap();
    save("bootstrap_clipped.svg", &svg);
    let texts = check_xml(&svg);
    assert!(has_text(&texts, "2 failed (no estimate)"), "{texts:?}");
    assert!(has_text(&texts, "outside the plotted range"), "{texts:?}");
    // The extreme replicate does not set the axis: no tick label in the hundreds of millions.
    assert!(!has_text(&texts, "000,000"), "{texts:?}");

    let mut none = b;
    none.replicates.iter_mut().for_each(|r| *r = None);
    assert!(bootstrap_svg(&none, None, "x").is_err());
}

#[test]
fn ranking_plot() {
    let uk = datasets::uk_2013();
    let opts = SearchOptions {
        max_order: Some(2),
        top: Some(20),
        ..SearchOptions::default()
    };
    let r = search(&uk, &opts).unwrap();
    let svg = ranking_svg(&r, &uk, 20, "UK 2013: top 20 models").unwrap();
    save("ranking.svg", &svg);
    let texts = check_xml(&svg);
    let best = r.models[0].model(uk.lists()).label(uk.names());
    for needle in [
        "BIC",
        "estimated population N",
        "UK 2013: top 20 models",
        &best,
    ] {
        assert!(has_text(&texts, needle), "missing {needle:?} in {texts:?}");
    }
    assert!(ranking_svg(&r, &uk, 0, "empty").is_err());
    // AIC ranking: the axis says so.
    let r_aic = search(
        &uk,
        &SearchOptions {
            criterion: darkfigure::loglinear::Criterion::Aic,
            ..opts
        },
    )
    .unwrap();
    let svg = ranking_svg(&r_aic, &uk, 10, "AIC").unwrap();
    save("ranking_aic.svg", &svg);
    let texts = check_xml(&svg);
    assert!(texts.iter().any(|t| t == "AIC"), "{texts:?}");
    assert!(!texts.iter().any(|t| t == "BIC"), "{texts:?}");
    // top larger than the ranking is fine.
    check_xml(&ranking_svg(&r, &uk, 1000, "all").unwrap());
}

#[test]
fn upset_plot() {
    let uk = datasets::uk_2013();
    let svg = upset_svg(&uk, "UK 2013 capture histories").unwrap();
    save("upset.svg", &svg);
    let texts = check_xml(&svg);
    for needle in [
        "LA",
        "NG",
        "PF",
        "GO",
        "GP",
        "NCA",
        "cases",
        "capture history",
        "UK 2013 capture histories",
    ] {
        assert!(
            texts.iter().any(|t| t == needle) || has_text(&texts, needle),
            "missing {needle:?} in {texts:?}"
        );
    }
    // Every list name is a label of its own.
    for name in uk.names() {
        assert!(texts.iter().any(|t| t == name), "{name}");
    }
    // The largest cell's count is shown above its bar.
    let max = uk
        .observed_cells()
        .iter()
        .map(|&h| uk.count(h))
        .max()
        .unwrap();
    assert!(texts.iter().any(|t| *t == max.to_string()));
    // More than 30 histories: only the 30 largest, said so.
    for (name, t) in [
        ("neworl.svg", datasets::new_orleans()),
        ("hare.svg", datasets::rcapture_hare()),
    ] {
        let svg = upset_svg(&t, name).unwrap();
        save(name, &svg);
        let texts = check_xml(&svg);
        let cells = t.observed_cells().len();
        if cells > 30 {
            assert!(
                has_text(&texts, &format!("the 30 largest of {cells}")),
                "{texts:?}"
            );
        }
        for n in t.names() {
            assert!(texts.iter().any(|x| x == n), "{n}");
        }
    }
    // A 3-list table (all histories shown).
    let k = datasets::korea();
    let texts = check_xml(&upset_svg(&k, "Korea").unwrap());
    assert!(has_text(&texts, "all 7 observed") || has_text(&texts, "observed capture histories"));
}
