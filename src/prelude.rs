//! What a program embedding darkfigure needs, in one import: read a table, choose a method,
//! estimate with an interval, bootstrap, and print.
//!
//! ```
//! use darkfigure::prelude::*;
//! let table = parse_table(b"A,B,C,count\n1,0,0,30\n0,1,0,25\n0,0,1,28\n1,1,0,6\n1,0,1,7\n0,1,1,5\n1,1,1,2\n", "mem", Format::Auto).unwrap();
//! let est = estimate(&table, &EstimateOptions::default().select(Rule::Stepwise)).unwrap();
//! assert!(est.estimate > 103.0);
//! ```

pub use crate::data::{
    datasets, parse_table, read_table, summarize, CaptureTable, Format, Summary,
};
pub use crate::error::{Error, Result};
pub use crate::estimators::loglinear::{Loglinear, LoglinearOptions, ModelSpec};
pub use crate::estimators::rcapture::RcaptureModel;
pub use crate::estimators::{Estimator, Interval, IntervalMethod, Method, PointEstimate};
pub use crate::loglinear::{Criterion, Existence, Fit, FitOptions, Model};
pub use crate::numeric::Level;
pub use crate::output::{sensitivity, Sensitivity};
pub use crate::selection::{Rule, SelectOptions, Selection};
pub use crate::uncertainty::{
    bootstrap, estimate, simulate, Bootstrap, BootstrapOptions, CalibrationOptions, Estimate,
    EstimateOptions, Kind, Scheme, SimulateOptions, Simulation, Truth,
};
