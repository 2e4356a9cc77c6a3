//! The public MSE datasets bundled in `data/` (descriptions in `data/SOURCES*.md`).
//!
//! Each function parses the embedded CSV, which is known to be valid, so it returns the table
//! directly. [`ALL`] lists every dataset with its description.

use super::io::{parse_table, Format};
use super::table::CaptureTable;

/// A bundled dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dataset {
    /// Short name (file stem), e.g. `ukdat`.
    pub name: &'static str,
    /// One-line description.
    pub description: &'static str,
    /// Where it came from.
    pub source: &'static str,
    csv: &'static str,
}

impl Dataset {
    /// The capture table.
    ///
    /// # Panics
    /// Never for the bundled files (checked by tests).
    pub fn table(&self) -> CaptureTable {
        parse_table(self.csv.as_bytes(), self.name, Format::Frequency)
            .expect("bundled dataset is valid")
    }

    /// The raw CSV text.
    pub fn csv(&self) -> &'static str {
        self.csv
    }
}

macro_rules! datasets {
    ($( $fn:ident, $name:literal, $desc:literal, $src:literal; )*) => {
        /// Every bundled dataset.
        pub const ALL: &[Dataset] = &[
            $( Dataset { name: $name, description: $desc, source: $src,
                         csv: include_str!(concat!("../../data/", $name, ".csv")) }, )*
        ];
        $(
            #[doc = concat!($desc, " (`data/", $name, ".csv`; ", $src, ").")]
            pub fn $fn() -> CaptureTable { by_name($name).expect("bundled").table() }
        )*
    };
}

datasets! {
    uk_2013, "ukdat", "UK 2013 strategic assessment of modern slavery, 6 lists (LA, NG, PF, GO, GP, NCA), 2,744 cases", "SparseMSE 2.0.1 UKdat; Home Office 2014";
    uk_2013_5, "ukdat_5", "UK 2013, 5 lists (PF and NCA merged as PFNCA), 2,744 cases", "SparseMSE 2.0.1 UKdat_5";
    netherlands, "ned", "Netherlands trafficking victims, 6 lists (I, K, O, P, R, Z), 8,234 cases", "SparseMSE 2.0.1 Ned; Silverman 2020 JRSS A";
    netherlands_5, "ned_5", "Netherlands, 5 lists (I and O merged as IO), 8,234 cases", "SparseMSE 2.0.1 Ned_5";
    new_orleans, "neworl", "Greater New Orleans trafficking victims, 8 anonymised lists, 185 cases", "SparseMSE 2.0.1 NewOrl; Bales, Murphy & Silverman 2020";
    new_orleans_5, "neworl_5", "Greater New Orleans, 5 lists (B, E, F, G merged as BEFG), 185 cases", "SparseMSE 2.0.1 NewOrl_5";
    new_orleans_mse, "neworl_mse", "Greater New Orleans, 8 lists, MultipleSystemsEstimation version (one cell differs), 186 cases", "MultipleSystemsEstimation 1.2.0 NewOrl";
    new_orleans_5_mse, "neworl_5_mse", "Greater New Orleans, 5 lists, MultipleSystemsEstimation version, 186 cases", "MultipleSystemsEstimation 1.2.0 NewOrl_5";
    western, "western", "Sex-trafficking victims at a U.S. western site, 5 anonymised lists, 345 cases", "SparseMSE 2.0.1 Western; Farrell et al. 2019";
    artificial_3, "artificial_3", "Artificial 3-list example with non-overlapping lists (Chan, Silverman & Vincent, Table 2), 96 cases", "SparseMSE 2.0.1 Artificial_3";
    kosovo, "kosovo", "Kosovo war killings, 20 March - 22 June 1999, 4 lists (EXH, ABA, OSCE, HRW), 4,400 cases", "LCMCR kosovo_aggregate; Ball et al. 2002";
    kosovo_mse, "kosovo_mse", "Kosovo war killings (MultipleSystemsEstimation copy, identical counts), 4,400 cases", "MultipleSystemsEstimation 1.2.0 Kosovo";
    korea, "korea", "Korean 'comfort women' held in Palembang, 3 lists (b, c, d), 123 cases", "MultipleSystemsEstimation 1.2.0 Korea; Ball, Shin & Yang 2018";
    rcapture_hare, "rcapture_hare", "Snowshoe hares, 6 capture occasions", "Rcapture 1.4-4 hare";
    rcapture_hiv, "rcapture_HIV", "HIV-infected people, 4 sources", "Rcapture 1.4-4 HIV";
    rcapture_lesbian, "rcapture_lesbian", "Lesbian population survey, 4 sources", "Rcapture 1.4-4 lesbian";
}

/// Look a dataset up by file stem (`ukdat`, `western`, …).
pub fn by_name(name: &str) -> Option<&'static Dataset> {
    ALL.iter().find(|d| d.name == name)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_dataset_parses() {
        for d in super::ALL {
            let t = d.table();
            assert!(t.lists() >= 3, "{}", d.name);
        }
        assert_eq!(super::uk_2013().observed(), 2744);
        assert_eq!(super::new_orleans().lists(), 8);
    }
}
