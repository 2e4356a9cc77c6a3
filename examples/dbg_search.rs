use darkfigure::search::*;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let t = darkfigure::datasets::by_name(&args[1]).unwrap().table();
    let mo: usize = args[2].parse().unwrap();
    let st = std::time::Instant::now();
    let r = search(
        &t,
        &SearchOptions {
            max_order: Some(mo),
            top: Some(5),
            ..Default::default()
        },
    )
    .unwrap();
    println!(
        "{} examined {} excluded {} lp {} fits {}",
        args[1], r.examined, r.excluded, r.lp_checks, r.distinct_fits
    );
    println!("{:?}", r.models.first());
    println!("{:?}", st.elapsed());
}
