//! The one rejected-row report of `canvass import addresses|boundary|registrations`: the first
//! rows on standard error, every row in the `--rejects` CSV (row, reason, and the row's values
//! where the import keeps them), in a shape that can be corrected and imported again.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use anyhow::Context;
use canvass_import::Rejection;
use canvass_model::csv::{CsvWriter, Quoting};

/// Rejected rows shown on standard error; the rest go to `--rejects FILE` only.
const SHOWN: usize = 20;

/// Rejected rows as they are found.
pub struct Rejects {
    shown: usize,
    total: u64,
    columns: usize,
    file: Option<(PathBuf, CsvWriter<BufWriter<File>>)>,
}

impl Rejects {
    /// Creates `path` (when given) with the header `row,reason,COLUMNS…`; created before the
    /// long part, so that an unwritable path fails at once.
    pub fn create(path: Option<&Path>, columns: &[String]) -> anyhow::Result<Rejects> {
        let file = match path {
            Some(path) => {
                let file = File::create(path)
                    .with_context(|| format!("cannot create {}", path.display()))?;
                let mut header = vec!["row".to_owned(), "reason".to_owned()];
                header.extend(columns.iter().cloned());
                let writer = CsvWriter::new(BufWriter::new(file), &header, Quoting::Text)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                Some((path.to_owned(), writer))
            }
            None => None,
        };
        Ok(Rejects {
            shown: 0,
            total: 0,
            columns: columns.len(),
            file,
        })
    }

    /// One rejected row and its values (padded or cut to the header's columns).
    pub fn add(&mut self, rejection: &Rejection, values: &[String]) -> anyhow::Result<()> {
        self.total += 1;
        if self.shown < SHOWN {
            self.shown += 1;
            eprintln!("row {}: {}", rejection.row, rejection.reason);
        }
        if let Some((path, writer)) = &mut self.file {
            let cells = [rejection.row.to_string(), rejection.reason.clone()]
                .into_iter()
                .chain((0..self.columns).map(|i| values.get(i).cloned().unwrap_or_default()));
            writer
                .row(cells)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        Ok(())
    }

    /// Writes the file out and says where the rows are that standard error did not show.
    pub fn finish(self) -> anyhow::Result<()> {
        let more = self.total - self.shown as u64;
        match self.file {
            Some((path, writer)) => {
                writer
                    .finish()
                    .with_context(|| format!("cannot write {}", path.display()))?;
                if self.total > 0 {
                    eprintln!(
                        "all {} rejected rows are listed in {}",
                        self.total,
                        path.display()
                    );
                }
            }
            None if more > 0 => {
                eprintln!("… and {more} more rejected rows (--rejects FILE lists them all)");
            }
            None => {}
        }
        Ok(())
    }
}
