//! The command line: subcommands, their options and their help texts.

use clap::{Args, Parser, Subcommand};
use darkfigure::data::Format;
use darkfigure::estimators::IntervalMethod;
use darkfigure::loglinear::Criterion;
use darkfigure::selection::Rule;
use darkfigure::uncertainty::calibrate::World;
use darkfigure::uncertainty::{Kind, Scheme};

#[derive(Parser)]
#[command(
    name = "darkfigure",
    version,
    about = "Multiple-systems estimation of hidden populations from overlapping lists",
    long_about = "Multiple-systems estimation of hidden populations from overlapping lists.\n\n\
Exit status: 0 success; 2 bad usage or input (the message names file:line:column and the fix); \
3 the requested estimate does not exist or is not identifiable (JSON still printed, estimate null)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

// The estimate command has many options; the enum is built once per run.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
pub enum Command {
    /// Estimate the population size (a log-linear model by default, or --method).
    #[command(
        after_help = "Example:\n  darkfigure estimate data/ukdat.csv --model '[12,34,5,6]' --interval profile --json\n  darkfigure estimate data/ukdat_5.csv --method mh-chao --bootstrap 1000"
    )]
    Estimate(EstimateArgs),
    /// Check existence and identifiability of the MLE for a model (SparseMSE checkident).
    #[command(
        after_help = "Example:\n  darkfigure check data/artificial_3.csv --model 'A*B'\n\
Exit status 3 when the check fails (code 1, 2 or 3)."
    )]
    Check(CheckArgs),
    /// Rank every hierarchical model by BIC or AIC (exhaustive search).
    #[command(
        after_help = "Example:\n  darkfigure models data/ukdat.csv --max-order 2 --top 10\n  darkfigure models data/ukdat_5.csv --by aic --json"
    )]
    Models(ModelsArgs),
    /// Describe the lists: sizes, overlaps, pairs that never overlap, warnings.
    #[command(after_help = "Example:\n  darkfigure summary data/neworl.csv")]
    Summary(SummaryArgs),
    /// The sensitivity table to publish: one row per method, with intervals.
    #[command(
        after_help = "Example:\n  darkfigure report data/ukdat.csv --bootstrap 1000 --seed 1 --markdown"
    )]
    Report(ReportArgs),
    /// Coverage study: tables simulated from a fitted model, an estimate's interval on each,
    /// how often it covers the truth.
    #[command(
        after_help = "Example:\n  darkfigure simulate data/ukdat_5.csv --select stepwise --tables 200 --estimate \"--select stepwise --bootstrap 1000\" --json\n  darkfigure simulate data/kosovo.csv --select stepwise --estimate \"--select aic-stepwise\" --plot coverage.svg"
    )]
    Simulate(SimulateArgs),
    /// Convert records or long-format lists into a frequency table (CSV on stdout or -o).
    #[command(
        after_help = "Example:\n  darkfigure convert sightings.csv --format long -o table.csv"
    )]
    Convert(ConvertArgs),
}

#[derive(Args)]
pub struct Input {
    /// Input CSV (`-` for standard input).
    pub file: String,
    /// Input layout: frequency (0/1 columns + count), records (one row per case), long
    /// (rows `list,id`), or auto.
    #[arg(long, default_value = "auto")]
    pub format: Format,
    /// Field separator: `,`, `;`, `tab` (default: detected from the header).
    #[arg(long, value_name = "D")]
    pub delimiter: Option<String>,
    /// Long format: the column naming the list (default `list`).
    #[arg(long, value_name = "NAME")]
    pub list_col: Option<String>,
    /// Long format: the column identifying the case; records: a column to ignore (default
    /// `id`).
    #[arg(long, value_name = "NAME")]
    pub id_col: Option<String>,
    /// Merge lists before estimating, e.g. `--merge PF,NCA` (repeatable).
    #[arg(long, value_name = "A,B")]
    pub merge: Vec<String>,
    /// Omit lists, e.g. `--omit GP,NCA`.
    #[arg(long, value_name = "A,B", value_delimiter = ',')]
    pub omit: Vec<String>,
    /// Use these lists, in this order (applied after --merge; lists not named are omitted).
    /// Results do not depend on the order of the lists, but model codes like `[12,3]` do.
    #[arg(long, value_name = "A,B,C", value_delimiter = ',')]
    pub lists: Vec<String>,
}

#[derive(Args)]
pub struct EstimateArgs {
    #[command(flatten)]
    pub input: Input,
    /// Method: loglinear (default), m0, mt, mh-chao, mh-poisson, mh-darroch, mh-gamma,
    /// mth-chao, mth-poisson, mth-darroch, mth-gamma, mb, mbh (Rcapture's closed-population
    /// models), petersen, chapman (two lists).
    #[arg(long, default_value = "loglinear")]
    pub method: String,
    /// Log-linear model: `main`, `[12,3]` (≤ 9 lists), `LA*NG + NG*PF`, or `LA:NG,NG:PF`
    /// (default main).
    #[arg(long, conflicts_with = "select")]
    pub model: Option<String>,
    /// Choose the log-linear model by a rule: stepwise (p-value, Chan et al. 2021),
    /// aic-stepwise (UK 2014), bic or aic (exhaustive search), auto (BIC for ≤ 5 lists, else
    /// stepwise). With --covariates: model-search (mse::model_search), bic-stepwise,
    /// aic-stepwise, bic, aic.
    #[arg(long, value_name = "RULE")]
    pub select: Option<String>,
    /// p-value threshold of stepwise (default 0.02) or aic-stepwise (default 0.05).
    #[arg(long, requires = "select")]
    pub pthresh: Option<f64>,
    /// Maximum interaction order for --select bic/aic (default 1, 2, 3, 3, 2 for 2–6 lists,
    /// as MultipleSystemsEstimation).
    #[arg(long, requires = "select")]
    pub max_order: Option<usize>,
    /// --select bic/aic: the largest number of models to search.
    #[arg(long, requires = "select")]
    pub limit: Option<u64>,
    /// Interval method: wald, profile, bca, percentile, or calibrated (default: bca with
    /// --bootstrap; profile with aic-stepwise and the Rcapture models that have one; else
    /// wald).
    #[arg(long)]
    pub interval: Option<IntervalMethod>,
    #[command(flatten)]
    pub calibration: CalibrationArgs,
    /// Coverage level of the interval.
    #[arg(long, default_value_t = 0.95)]
    pub level: f64,
    #[command(flatten)]
    pub boot: BootArgs,
    #[command(flatten)]
    pub mcmc: McmcArgs,
    #[command(flatten)]
    pub dga: DgaArgs,
    #[command(flatten)]
    pub cov: CovariateArgs,
    #[command(flatten)]
    pub cov_model: CovariateModelArgs,
    /// Write an SVG of the bootstrap distribution with the point estimate and the interval
    /// (needs --bootstrap or --replay), or for --method lcmcr the trace of N per chain and
    /// its posterior.
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<String>,
    /// Title of the plot (default: the data set's name).
    #[arg(long, requires = "plot")]
    pub title: Option<String>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
#[command(group(clap::ArgGroup::new("resampling").args(["bootstrap", "replay"])))]
pub struct BootArgs {
    /// Bootstrap replicates B (re-running the selection rule in every replicate); the
    /// interval then defaults to BCa.
    #[arg(long, value_name = "B")]
    pub bootstrap: Option<usize>,
    /// Replay replicate tables from this CSV instead of drawing them (e.g. an R package's
    /// resamples): the table's list columns, `replicate` (1…B) and `count`.
    #[arg(long, value_name = "FILE.csv", conflicts_with_all = ["seed", "bootstrap_kind"])]
    pub replay: Option<String>,
    /// Seed of the bootstrap streams (replicate b uses stream b); results are identical for
    /// any --threads.
    #[arg(long, default_value_t = 1234)]
    pub seed: u64,
    /// Threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// nonparametric (multinomial over observed cells) or parametric (from the fitted model).
    #[arg(long, default_value = "nonparametric")]
    pub bootstrap_kind: Kind,
    /// BIC/AIC bootstrap: re-select among the top N models of the original ranking
    /// (default as MultipleSystemsEstimation: all for ≤ 3 lists, 20 for 4, 100 for ≥ 5).
    #[arg(long, value_name = "N", requires = "resampling")]
    pub ntop: Option<usize>,
    /// Largest --bootstrap accepted (default 1000000).
    #[arg(long, value_name = "B", requires = "bootstrap")]
    pub max_replicates: Option<usize>,
    /// Write every replicate's estimate to this CSV (columns replicate,estimate,model; the
    /// estimate is empty when none exists, the model empty for methods that choose none).
    #[arg(long, value_name = "FILE.csv", requires = "resampling")]
    pub replicates_out: Option<String>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Options of `--interval calibrated` (an error without it).
#[derive(Args)]
pub struct CalibrationArgs {
    /// --interval calibrated: tables simulated from the fit to calibrate the level on
    /// (default 200).
    #[arg(long, value_name = "S")]
    pub calibration_tables: Option<usize>,
    /// --interval calibrated: the interval calibrated (default bca with --bootstrap, else the
    /// method's own).
    #[arg(long, value_name = "M")]
    pub calibration_interval: Option<IntervalMethod>,
    /// --interval calibrated: draw the calibration tables from the fitted model (fitted, the
    /// parametric double bootstrap) or from the observed cells with the fit's dark figure
    /// (observed, the nonparametric one).
    #[arg(long, value_name = "W")]
    pub calibration_truth: Option<World>,
}

/// Options of `--method lcmcr` (an error with any other method).
#[derive(Args)]
pub struct McmcArgs {
    /// LCMCR: truncation K of the latent classes.
    #[arg(long, value_name = "K")]
    pub classes: Option<usize>,
    /// LCMCR: number of chains (run in parallel; results identical for any --threads).
    #[arg(long, value_name = "C")]
    pub chains: Option<usize>,
    /// LCMCR: burn-in sweeps after LCMCR's 500-sweep warm-up.
    #[arg(long, value_name = "B")]
    pub burnin: Option<u64>,
    /// LCMCR: retained draws per chain.
    #[arg(long, value_name = "S")]
    pub samples: Option<u64>,
    /// LCMCR: sweeps per retained draw.
    #[arg(long, value_name = "T")]
    pub thinning: Option<u64>,
    /// LCMCR: Gamma(shape A, rate B) prior of the concentration α.
    #[arg(long, value_name = "A,B")]
    pub alpha_prior: Option<String>,
    /// LCMCR: keep sampling in blocks of 1,000 draws per chain until R-hat ≤ 1.01 and bulk
    /// ESS ≥ 400 (or --max-sweeps).
    #[arg(long)]
    pub until_converged: bool,
    /// LCMCR with --until-converged: the most sweeps per chain.
    #[arg(long, value_name = "M", requires = "until_converged")]
    pub max_sweeps: Option<u64>,
    /// LCMCR: without the label-swap moves (with --no-collapsed-moves: LCMCR's plain sampler).
    #[arg(long)]
    pub no_label_swaps: bool,
    /// LCMCR: without the collapsed moves of each class's λ and ν (with --no-label-swaps:
    /// LCMCR's plain Gibbs sampler).
    #[arg(long)]
    pub no_collapsed_moves: bool,
    /// LCMCR: write every retained draw (chain, draw, N, alpha, occupied classes) to this CSV.
    #[arg(long, value_name = "FILE.csv")]
    pub draws_out: Option<String>,
}

/// Options of `--method dga` (an error with any other method).
#[derive(Args)]
pub struct DgaArgs {
    /// dga: the hyper-Dirichlet parameter δ (default 2^-t).
    #[arg(long, value_name = "D")]
    pub delta: Option<f64>,
    /// dga: the prior on N, `improper` (p(N) ∝ 1/N) or `lognormal:MU,SD` (of log N).
    #[arg(long, value_name = "PRIOR")]
    pub prior: Option<String>,
    /// dga: the grid of unobserved counts, `auto` (extended until the mass beyond it is
    /// below 1e-6) or MAX (m = 0, 1, …, MAX, dga's `Nmissing = 0:MAX`).
    #[arg(long, value_name = "auto|MAX")]
    pub grid: Option<String>,
    /// dga: only graphs whose cliques have at most K lists.
    #[arg(long, value_name = "K")]
    pub max_clique: Option<usize>,
    /// dga: the number of most probable graphs reported.
    #[arg(long = "top", value_name = "N")]
    pub top_graphs: Option<usize>,
    /// dga: refuse more than W graph × grid-point evaluations (default 1e11, about 2½
    /// minutes on 2 cores).
    #[arg(long, value_name = "W")]
    pub work_limit: Option<f64>,
}

/// Tables of lists × categorical covariates (estimate, summary, report).
#[derive(Args)]
pub struct CovariateArgs {
    /// Covariate columns, e.g. `--covariates sex,age,year`: the table is lists × covariates
    /// (the other columns are lists, and the count in a frequency table).
    #[arg(long, value_name = "A,B", value_delimiter = ',')]
    pub covariates: Vec<String>,
    /// The level order of a covariate, baseline first (repeatable):
    /// `--levels year=2015,2016,2017`. An explicit order also marks the covariate as ordered.
    #[arg(long, value_name = "COV=L1,L2", requires = "covariates")]
    pub levels: Vec<String>,
    /// Structural zeros (repeatable): list LIST did not operate at these levels,
    /// `--absent L5@year=2015,2016`.
    #[arg(long, value_name = "LIST@COV=L1,L2", requires = "covariates")]
    pub absent: Vec<String>,
    /// Missing covariate values (an empty field or NA) are an error with the line; `level`
    /// keeps them as their own level NA.
    #[arg(long, value_name = "level", requires = "covariates")]
    pub missing: Option<String>,
}

/// Models and totals of tables with covariates (estimate, report).
#[derive(Args)]
pub struct CovariateModelArgs {
    /// The ordered covariate (year): changes between consecutive levels, the trend plot, and
    /// mse's `year`.
    #[arg(long, value_name = "COV", requires = "covariates")]
    pub year: Option<String>,
    /// Code the --year covariate by orthogonal polynomials of degree K (mse's degree_year).
    #[arg(long, value_name = "K", requires = "year")]
    pub degree_year: Option<usize>,
    /// Totals for every pair of levels of two covariates (repeatable): `--cross year:expl`.
    #[arg(long, value_name = "A:B", requires = "covariates")]
    pub cross: Vec<String>,
    /// With --select and --bootstrap: keep the model chosen on the data in every replicate
    /// (as mse's boot_mse) instead of re-running the rule.
    #[arg(long, requires = "covariates")]
    pub fixed_model_bootstrap: bool,
}

#[derive(Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub input: Input,
    /// Model to check.
    #[arg(long)]
    pub model: String,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct ModelsArgs {
    #[command(flatten)]
    pub input: Input,
    /// `loglinear` (every hierarchical model, by BIC or AIC) or `dga` (every decomposable
    /// graph, by posterior probability).
    #[arg(long, default_value = "loglinear")]
    pub method: String,
    /// dga: δ (default 2^-t).
    #[arg(long, value_name = "D")]
    pub delta: Option<f64>,
    /// dga: the prior on N, `improper` or `lognormal:MU,SD`.
    #[arg(long, value_name = "PRIOR")]
    pub prior: Option<String>,
    /// dga: the grid, `auto` or MAX.
    #[arg(long, value_name = "auto|MAX")]
    pub grid: Option<String>,
    /// dga: only graphs whose cliques have at most K lists.
    #[arg(long, value_name = "K")]
    pub max_clique: Option<usize>,
    /// dga: refuse more than W graph × grid-point evaluations (default 1e11).
    #[arg(long, value_name = "W")]
    pub work_limit: Option<f64>,
    /// Largest interaction order (default: all orders, saturated model excluded, where the
    /// space has at most --limit models).
    #[arg(long)]
    pub max_order: Option<usize>,
    /// Print the best N models.
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    /// Ranking criterion.
    #[arg(long, default_value = "bic")]
    pub by: Criterion,
    /// Largest number of models to examine.
    #[arg(long, default_value_t = 10_000_000)]
    pub limit: u64,
    /// Threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Write an SVG of BIC (or AIC) against the estimate for the top models.
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<String>,
    /// Title of the plot (default: the data set's name).
    #[arg(long, requires = "plot")]
    pub title: Option<String>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct SummaryArgs {
    #[command(flatten)]
    pub input: Input,
    #[command(flatten)]
    pub cov: CovariateArgs,
    /// Write an UpSet-style SVG of the list overlaps.
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<String>,
    /// Title of the plot (default: the data set's name).
    #[arg(long, requires = "plot")]
    pub title: Option<String>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub input: Input,
    #[command(flatten)]
    pub cov: CovariateArgs,
    #[command(flatten)]
    pub cov_model: CovariateModelArgs,
    /// With --covariates: a fixed model (R's formula language) instead of --select.
    #[arg(long, value_name = "FORMULA", requires = "covariates")]
    pub model: Option<String>,
    /// Coverage level of the intervals.
    #[arg(long, default_value_t = 0.95)]
    pub level: f64,
    /// Add BCa rows from a bootstrap with B replicates (selection re-run in each).
    #[arg(long, value_name = "B")]
    pub bootstrap: Option<usize>,
    /// Seed of the bootstrap.
    #[arg(long, default_value_t = 1234)]
    pub seed: u64,
    /// The log-linear rules with a row (comma-separated): stepwise, aic-stepwise, bic, aic,
    /// auto. With --covariates: the one rule of the table (default model-search).
    #[arg(
        long,
        value_name = "RULES",
        value_delimiter = ',',
        default_value = "stepwise,aic-stepwise,bic"
    )]
    pub select: Vec<String>,
    /// p-value threshold of the stepwise rows (default 0.02 stepwise, 0.05 aic-stepwise).
    #[arg(long)]
    pub pthresh: Option<f64>,
    /// Maximum interaction order of the BIC/AIC rows (default 1, 2, 3, 3, 2 for 2–6 lists).
    #[arg(long)]
    pub max_order: Option<usize>,
    /// BIC/AIC rows: the largest number of models to search.
    #[arg(long)]
    pub limit: Option<u64>,
    /// BIC/AIC bootstrap rows re-select among the top N models.
    #[arg(long, value_name = "N", requires = "bootstrap")]
    pub ntop: Option<usize>,
    /// Leave out the leave-one-list-out rows.
    #[arg(long)]
    pub no_leave_one_out: bool,
    /// Largest --bootstrap accepted (default 1000000).
    #[arg(long, value_name = "B", requires = "bootstrap")]
    pub max_replicates: Option<usize>,
    /// Add a coverage column: each row's interval on S tables simulated from the stepwise
    /// fit (seed --seed; the leave-one-list-out and Bayesian rows are not simulated).
    #[arg(long, value_name = "S")]
    pub coverage: Option<usize>,
    /// Threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Output as JSON.
    #[arg(long, conflicts_with_all = ["csv", "markdown"])]
    pub json: bool,
    /// Output as CSV.
    #[arg(long, conflicts_with = "markdown")]
    pub csv: bool,
    /// Output as a Markdown table.
    #[arg(long)]
    pub markdown: bool,
}

#[derive(Args)]
pub struct ConvertArgs {
    #[command(flatten)]
    pub input: Input,
    /// Output file (default: standard output).
    #[arg(short, long)]
    pub output: Option<String>,
}

/// Options of `simulate`.
#[derive(Args)]
#[command(group(clap::ArgGroup::new("truth").args(["model", "select", "method"]).required(true)))]
pub struct SimulateArgs {
    #[command(flatten)]
    pub input: Input,
    /// The truth: this log-linear model's fit on FILE (`main`, `[12,3]`, `LA*NG`).
    #[arg(long)]
    pub model: Option<String>,
    /// The truth: the fit of the model this rule chooses on FILE (stepwise, aic-stepwise,
    /// bic, aic, auto).
    #[arg(long)]
    pub select: Option<Rule>,
    /// The truth: this method's fit on FILE (an Rcapture model, e.g. mth-chao; loglinear is
    /// the main-effects model).
    #[arg(long)]
    pub method: Option<String>,
    /// The truth's rule: its p-value threshold.
    #[arg(long, requires = "select")]
    pub pthresh: Option<f64>,
    /// The truth's rule (bic, aic): its maximum interaction order.
    #[arg(long, requires = "select")]
    pub max_order: Option<usize>,
    /// Simulated tables S.
    #[arg(long, value_name = "S", default_value_t = 200)]
    pub tables: usize,
    /// Seed: table j (1-based) is drawn from stream 2^63 + j − 1 and estimated with seed
    /// seed + j − 1; results are identical for any --threads.
    #[arg(long, default_value_t = 1234)]
    pub seed: u64,
    /// multinomial (n_obs ~ Binomial(N, 1 − p0), then the cells multinomial) or poisson
    /// (independent Poisson cells).
    #[arg(long, default_value = "multinomial")]
    pub scheme: Scheme,
    /// The estimation studied: the options of `darkfigure estimate` as one string, split as a
    /// shell would, e.g. "--select stepwise --bootstrap 1000" (its --seed is set by the
    /// simulation; input options belong to simulate).
    #[arg(long, value_name = "OPTIONS", allow_hyphen_values = true)]
    pub estimate: String,
    /// Nominal levels whose coverage is measured.
    #[arg(
        long,
        value_name = "L,L",
        value_delimiter = ',',
        default_value = "0.8,0.9,0.95"
    )]
    pub coverage_levels: Vec<f64>,
    /// Write the simulated tables as frequency CSVs DIR/table_0001.csv, … (created if
    /// needed), so other software can be run on the same tables.
    #[arg(long, value_name = "DIR")]
    pub tables_out: Option<String>,
    /// Write an SVG: coverage against the nominal level, and the estimates with the truth.
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<String>,
    /// Title of the plot (default: the data set's name).
    #[arg(long, requires = "plot")]
    pub title: Option<String>,
    /// Threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}
