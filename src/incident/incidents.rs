//! Where incidents are kept, as the parts that work across incidents need it (filing a
//! detection, finding a teammate's drill incident): listed, read up to date, opened anew, and
//! appended to. This machine's files (`Store`) are one such place; the team's database, with
//! the files as its copies, is another (`postgres::Journals`).

use jiff::Timestamp;

use super::journal::{self, Journal, JournalError, Record};
use super::model::{Draft, Entry, IncidentId};
use super::store::{Store, StoreError};

pub trait Incidents {
    type Error: std::error::Error + Send + Sync + 'static;

    /// This machine's files (where the local journals are, and locks beside them).
    fn store(&self) -> &Store;

    /// Every incident, oldest first.
    fn ids(&mut self) -> Result<Vec<IncidentId>, Self::Error>;

    /// `id`'s journal as it stands, read without being changed.
    fn read(&mut self, id: &IncidentId) -> Result<Record, Self::Error>;

    /// `id`'s journal, open for appending through `append`.
    fn open(&mut self, id: &IncidentId) -> Result<Journal, Self::Error>;

    /// Opens a new incident whose first line is the declaration `declare` makes.
    fn open_new(
        &mut self,
        now: Timestamp,
        declare: &(dyn Fn(IncidentId) -> Draft + Send + Sync),
    ) -> Result<(IncidentId, Journal, Entry), Self::Error>;

    /// Appends `draft` to `id`'s journal (`local`).
    fn append(&mut self, id: &IncidentId, local: &mut Journal, draft: Draft) -> Result<Entry, Self::Error>;

    /// Holds the lock that machines filing detections into the same place take turns by, until
    /// `release_filing` (this machine's processes take turns by a file beside the journals).
    fn hold_filing(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }

    fn release_filing(&mut self) {}
}

impl Incidents for Store {
    type Error = StoreError;

    fn store(&self) -> &Store {
        self
    }

    fn ids(&mut self) -> Result<Vec<IncidentId>, StoreError> {
        self.list()
    }

    fn read(&mut self, id: &IncidentId) -> Result<Record, StoreError> {
        Ok(journal::read(&self.existing(id)?)?)
    }

    fn open(&mut self, id: &IncidentId) -> Result<Journal, StoreError> {
        Ok(Journal::open(&self.existing(id)?)?)
    }

    fn open_new(
        &mut self,
        now: Timestamp,
        declare: &(dyn Fn(IncidentId) -> Draft + Send + Sync),
    ) -> Result<(IncidentId, Journal, Entry), StoreError> {
        Store::open_new(self, now, declare)
    }

    fn append(&mut self, _id: &IncidentId, local: &mut Journal, draft: Draft) -> Result<Entry, StoreError> {
        local.append(draft).map_err(|e: JournalError| e.into())
    }
}
