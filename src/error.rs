//! The crate's single error type.
//!
//! Every variant carries the facts a user needs to fix the problem: which file, line and
//! column, what was found, and what to do about it. Input errors never panic.

use std::fmt;

/// Shorthand for `std::result::Result<T, darkfigure::Error>`.
pub type Result<T> = std::result::Result<T, Error>;

/// Where in an input a problem was found.
///
/// `line` and `column` are 1-based; `column` is `None` when the problem concerns a whole line
/// (for example a wrong number of fields) and `line` is `None` when it concerns the whole input.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Location {
    /// File name (or a label such as `<stdin>` / `<memory>`).
    pub file: String,
    /// 1-based line number.
    pub line: Option<u64>,
    /// 1-based column (field) number.
    pub column: Option<usize>,
}

impl Location {
    /// A location covering a whole input.
    pub fn file(file: &str) -> Self {
        Self {
            file: file.to_string(),
            line: None,
            column: None,
        }
    }

    /// A location at a line (and optionally a column).
    pub fn at(file: &str, line: u64, column: Option<usize>) -> Self {
        Self {
            file: file.to_string(),
            line: Some(line),
            column,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        Ok(())
    }
}

/// Everything that can go wrong in darkfigure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An input file or table is malformed.
    #[error("{location}: {problem}. Fix: {fix}")]
    InvalidInput {
        /// Where the problem is.
        location: Location,
        /// What is wrong.
        problem: String,
        /// How to fix it.
        fix: String,
    },
    /// A file could not be read or written.
    #[error("{file}: {source}")]
    Io {
        /// The file.
        file: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A model specification could not be parsed.
    #[error("model '{spec}': {problem}")]
    ModelSyntax {
        /// The specification as given.
        spec: String,
        /// What is wrong with it.
        problem: String,
    },
    /// An option has an invalid value.
    #[error("option {name} = {value}: {problem}")]
    InvalidOption {
        /// Option name.
        name: &'static str,
        /// The value given.
        value: String,
        /// What is wrong.
        problem: String,
    },
    /// The (extended) maximum-likelihood estimate does not exist (Fienberg–Rinaldo LP optimum 0).
    #[error("the maximum-likelihood estimate of model {model} does not exist for these data (existence code {code}): some fitted cell means must be 0 although no term's margin is 0; choose a smaller model")]
    MleDoesNotExist {
        /// The model in canonical notation.
        model: String,
        /// SparseMSE `checkident` code (1 or 3).
        code: u8,
    },
    /// The model's parameters are not identifiable (design rank deficient after removing
    /// cells of terms fixed at −∞).
    #[error("model {model} is not identifiable for these data (existence code {code}): the design has rank {rank} < {parameters} parameters after removing the cells of terms fixed at -inf; choose a smaller model")]
    NotIdentifiable {
        /// The model in canonical notation.
        model: String,
        /// SparseMSE `checkident` code (2 or 3).
        code: u8,
        /// Rank of the reduced design.
        rank: usize,
        /// Number of finite parameters.
        parameters: usize,
    },
    /// IRLS did not converge within the iteration limit.
    #[error("the fit of model {model} did not converge in {iterations} iterations (relative deviance change {last_change:e})")]
    NotConverged {
        /// The model in canonical notation.
        model: String,
        /// Iterations performed.
        iterations: usize,
        /// Last relative change of the deviance.
        last_change: f64,
    },
    /// A search space is too large to enumerate.
    #[error("{lists} lists with maximum order {max_order}: {count} hierarchical models (limit {limit}); {suggestion}")]
    ModelSpaceTooLarge {
        /// Number of lists.
        lists: usize,
        /// Requested maximum order.
        max_order: usize,
        /// Number of models (as a decimal string; may exceed u64), or a lower bound.
        count: String,
        /// Largest space we enumerate.
        limit: u64,
        /// What to do instead (the largest feasible order and its model count).
        suggestion: String,
    },
    /// An estimate is undefined (e.g. Chapman with no recaptures).
    #[error("{what} is undefined: {reason}")]
    Undefined {
        /// What was asked for.
        what: &'static str,
        /// Why it cannot be computed.
        reason: String,
    },
    /// A model too large to check or fit: its dense `p × p` matrices would not fit in a
    /// stated budget. Refused before anything is allocated.
    #[error("model {model} has {parameters} parameters; its {parameters} x {parameters} design matrices would take {bytes} bytes (limit {limit} parameters); choose a smaller model")]
    ModelTooLarge {
        /// The model as printed.
        model: String,
        /// Its number of parameters (intercept included).
        parameters: usize,
        /// The largest number accepted ([`crate::loglinear::Model::MAX_PARAMETERS`]).
        limit: usize,
        /// Bytes one `p × p` matrix of doubles would take.
        bytes: u128,
    },
    /// A search or computation that would not finish in reasonable time, refused or stopped
    /// with an explanation of what to do instead.
    #[error("{what}: {reason}")]
    TooCostly {
        /// What was refused.
        what: &'static str,
        /// Why, with the figures, and what to do instead.
        reason: String,
    },
    /// The linear-programming solver failed.
    #[error("linear program for the existence check failed: {0}")]
    Lp(String),
}

impl Error {
    /// Build an [`Error::InvalidInput`].
    pub fn input(location: Location, problem: impl Into<String>, fix: impl Into<String>) -> Self {
        Error::InvalidInput {
            location,
            problem: problem.into(),
            fix: fix.into(),
        }
    }

    /// True for errors that mean "the requested estimate does not exist or is not
    /// identifiable" (CLI exit status 3), as opposed to bad input or usage (exit status 2).
    pub fn is_no_estimate(&self) -> bool {
        matches!(
            self,
            Error::MleDoesNotExist { .. }
                | Error::NotIdentifiable { .. }
                | Error::NotConverged { .. }
                | Error::Undefined { .. }
        )
    }
}
