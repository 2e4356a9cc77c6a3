//! Tests of the simulation engine.

use super::*;
use crate::data::datasets;
use crate::estimators::loglinear::Loglinear;

fn truth() -> Truth {
    Truth::fit(&datasets::korea(), &Loglinear::stepwise(0.02)).unwrap()
}

#[test]
fn multinomial_tables_have_the_truths_expected_size() {
    let t = truth();
    let p_seen = 1.0 - t.fitted[0] / t.fitted.iter().sum::<f64>();
    let s = 400;
    let mean: f64 = (0..s)
        .map(|j| t.draw(Scheme::Multinomial, 5, j).iter().sum::<u64>() as f64)
        .sum::<f64>()
        / s as f64;
    let expect = t.population as f64 * p_seen;
    let sd = (expect * (1.0 - p_seen) / s as f64).sqrt();
    assert!((mean - expect).abs() < 4.0 * sd, "{mean} vs {expect}");
    // Poisson tables: the observed total has mean Σ_{h≠∅} μ̂_h = n_obs.
    let mean_p: f64 = (0..s)
        .map(|j| t.draw(Scheme::Poisson, 5, j).iter().sum::<u64>() as f64)
        .sum::<f64>()
        / s as f64;
    let seen: f64 = t.fitted[1..].iter().sum();
    assert!((mean_p - seen).abs() < 4.0 * (seen / s as f64).sqrt());
    assert_eq!(
        t.draw(Scheme::Multinomial, 5, 3),
        t.draw(Scheme::Multinomial, 5, 3)
    );
    assert_ne!(
        t.draw(Scheme::Multinomial, 5, 3),
        t.draw(Scheme::Multinomial, 5, 4)
    );
}

#[test]
fn summaries_count_coverage_misses_and_failures() {
    let t = truth();
    let n = t.population as f64;
    let calls = std::sync::atomic::AtomicUsize::new(0);
    // Table j: an interval around the truth for even j, above it for j % 4 == 1, none
    // for j % 4 == 3.
    let proc = |_: &CaptureTable, seed: u64, levels: &[Level]| {
        calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let j = seed - 100;
        Ok(match j % 4 {
            3 => Trial::no_estimate("no luck", levels.len()),
            1 => Trial {
                estimate: Some(n + 20.0),
                model: None,
                failure: None,
                intervals: vec![
                    TrialInterval::new(Some(n + 10.0), Some(n + 30.0), "x");
                    levels.len()
                ],
            },
            _ => Trial {
                estimate: Some(n),
                model: None,
                failure: None,
                intervals: vec![
                    TrialInterval::new(Some(n - 5.0), Some(n + 5.0), "x");
                    levels.len()
                ],
            },
        })
    };
    let sim = simulate_with(&t, &SimulateOptions::new(8, 100), &proc, None).unwrap();
    assert_eq!(calls.into_inner(), 8);
    let l = sim.level(0.95).unwrap();
    assert_eq!(
        (l.intervals, l.covered, l.miss_below, l.no_interval),
        (6, 4, 2, 2)
    );
    assert!((l.coverage.unwrap() - 4.0 / 6.0).abs() < 1e-12);
    assert_eq!(sim.failed.no_estimate, 2);
    assert_eq!(sim.failed.reasons["no luck"], 2);
    assert_eq!(sim.estimates.estimates, 6);
    assert!((sim.estimates.bias.unwrap() - 40.0 / 6.0).abs() < 1e-9);
    assert!((l.median_length.unwrap() - 10.0).abs() < 1e-12);
}

#[test]
fn options_are_checked() {
    let t = truth();
    let p = |_: &CaptureTable, _: u64, _: &[Level]| Ok(Trial::no_estimate("x", 1));
    assert!(simulate_with(&t, &SimulateOptions::new(0, 1), &p, None).is_err());
    let dup = SimulateOptions::new(2, 1).levels(vec![0.9, 0.9]);
    assert!(simulate_with(&t, &dup, &p, None).is_err());
    let bad = SimulateOptions::new(2, 1).levels(vec![1.5]);
    assert!(simulate_with(&t, &bad, &p, None).is_err());
    // A trial with the wrong number of intervals is an error, not a panic.
    let two = SimulateOptions::new(2, 1).levels(vec![0.8, 0.9]);
    assert!(simulate_with(&t, &two, &p, None).is_err());
    assert!(Truth::from_fitted(&datasets::korea(), vec![1.0; 3], "x".into()).is_err());
    assert!(Truth::from_fitted(&datasets::korea(), vec![f64::NAN; 8], "x".into()).is_err());
}
