//! The team's incident journal in PostgreSQL, for a war room spread over several machines:
//! reaching the database (address, password, TLS, schema migrations) and keeping each
//! incident's journal there, with this machine's file as its local copy.

pub mod connect;
pub mod journal;
pub mod journals;
pub mod listen;

pub use connect::{DbError, Target};
pub use journal::Shared;
pub use journals::{Journals, JournalsError};
