//! Capture tables and everything that reads or describes them: the validated
//! [`CaptureTable`] (t named lists, a count per capture history, list operations), the
//! readers and writer of the three input layouts ([`io`]), replicate tables supplied from
//! outside ([`replay`]), the bundled public datasets ([`datasets`]) and the descriptive
//! summary an analyst checks before fitting anything ([`summary`]).
//!
//! Imports only [`crate::error`] and [`crate::numeric`]; every stage above builds on it.

pub mod datasets;
pub mod io;
pub mod replay;
pub mod summary;
pub mod table;

pub use io::{parse_table, read_table, Format};
pub use summary::{summarize, Summary};
pub use table::CaptureTable;
