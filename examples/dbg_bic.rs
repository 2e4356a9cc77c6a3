use darkfigure::bootstrap::*;
use darkfigure::search::*;
fn main() {
    let t = darkfigure::datasets::uk_2013_5();
    let st = std::time::Instant::now();
    let r = search(
        &t,
        &SearchOptions {
            max_order: Some(3),
            top: Some(100),
            ..Default::default()
        },
    )
    .unwrap();
    let models: Vec<_> = r.models.iter().map(|m| m.model(5)).collect();
    println!("search {:?}", st.elapsed());
    let st = std::time::Instant::now();
    let b = bootstrap(
        &t,
        &Estimator::BicAmong(models),
        &BootstrapOptions {
            replicates: 1000,
            ..Default::default()
        },
        None,
        None,
    )
    .unwrap();
    println!(
        "boot {:?} lp {} q {:?}",
        st.elapsed(),
        b.lp_solved,
        b.quantiles.iter().map(|q| q.bca).collect::<Vec<_>>()
    );
}
