//! (being written)

pub static SCHEMES: &[&dyn super::Scheme] = &[];
