//! Drill scenarios: the file format (`model`), durations and quantities (`quantity`), and
//! loading with located errors (`load`).

pub mod load;
pub mod model;
pub mod quantity;

pub use load::{builtin, load_file, parse};
pub use model::Scenario;
