//! What the crate prints: the JSON reports of the CLI (built from the library's result
//! structs), the sensitivity table of every method with its Markdown and CSV forms, the
//! report of a coverage study, and SVG plots (behind the `plot` feature).
//!
//! The top floor of the library: imports every stage below, and nothing imports it.

pub mod command;
#[cfg(feature = "plot")]
pub mod plot;
pub mod report;
pub mod sensitivity;
pub mod simulation;

pub use sensitivity::{report, sensitivity, ReportOptions, Sensitivity};
