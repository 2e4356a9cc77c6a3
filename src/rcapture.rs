//! Rcapture closed-population models (placeholder; being written).
