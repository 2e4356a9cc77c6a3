use darkfigure::bootstrap::*;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let t = darkfigure::datasets::by_name(&args[1]).unwrap().table();
    let b: usize = args[2].parse().unwrap();
    let st = std::time::Instant::now();
    let r = bootstrap(
        &t,
        &Estimator::Stepwise(0.02),
        &BootstrapOptions {
            replicates: b,
            ..Default::default()
        },
        None,
        None,
    )
    .unwrap();
    let el = st.elapsed();
    println!(
        "{} B={} lp {} failed {} a {} z0 {} q {:?}",
        args[1],
        b,
        r.lp_solved,
        r.failed,
        r.acceleration,
        r.z0,
        r.quantiles
            .iter()
            .map(|q| (q.level, q.bca))
            .collect::<Vec<_>>()
    );
    println!("{:?}", el);
}
#[allow(dead_code)]
fn bic_top() {}
