//! The one CSV writer of Canvass (audit export, rejected-row files, feeds), on the `csv` crate.
//!
//! Every cell is defused against spreadsheet formula injection: officers and clerks open these
//! files in a spreadsheet, and a cell such as `=HYPERLINK(…)` typed into a registration form
//! would otherwise run there. A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage
//! return gets a leading `'`, unless it is a plain number (`-122.03` is a longitude, not a
//! formula, and must survive a round trip through the import).

use std::borrow::Cow;
use std::io::Write;

/// A CSV file that could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write CSV: {0}")]
pub struct CsvError(#[from] csv::Error);

impl From<std::io::Error> for CsvError {
    fn from(e: std::io::Error) -> Self {
        CsvError(e.into())
    }
}

/// Which cells are quoted (the header never is, beyond what RFC 4180 requires).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quoting {
    /// Only cells with a comma, quote or line break (RFC 4180).
    AsNeeded,
    /// Every cell that is not a number too, so that a reason or a value a spreadsheet would
    /// reinterpret (a leading zero, a date) is kept as text.
    Text,
}

/// Rows of text cells under a header, `\n` line ends.
#[derive(Debug)]
pub struct CsvWriter<W: Write> {
    inner: csv::Writer<W>,
}

fn builder(style: csv::QuoteStyle) -> csv::WriterBuilder {
    let mut builder = csv::WriterBuilder::new();
    builder
        .quote_style(style)
        .terminator(csv::Terminator::Any(b'\n'))
        .flexible(true);
    builder
}

impl<W: Write> CsvWriter<W> {
    /// Writes `header` to `out`; rows follow with [`CsvWriter::row`].
    pub fn new<H: AsRef<str>>(out: W, header: &[H], quoting: Quoting) -> Result<Self, CsvError> {
        let mut head = builder(csv::QuoteStyle::Necessary).from_writer(out);
        head.write_record(header.iter().map(|h| defuse(h.as_ref()).into_owned()))?;
        let out = head
            .into_inner()
            .map_err(|e| CsvError::from(std::io::Error::other(e.error().to_string())))?;
        let style = match quoting {
            Quoting::AsNeeded => csv::QuoteStyle::Necessary,
            Quoting::Text => csv::QuoteStyle::NonNumeric,
        };
        Ok(CsvWriter {
            inner: builder(style).from_writer(out),
        })
    }

    /// One row; every cell defused.
    pub fn row<I, F>(&mut self, cells: I) -> Result<(), CsvError>
    where
        I: IntoIterator<Item = F>,
        F: AsRef<str>,
    {
        let cells: Vec<String> = cells
            .into_iter()
            .map(|c| defuse(c.as_ref()).into_owned())
            .collect();
        self.inner.write_record(&cells)?;
        Ok(())
    }

    /// Flushes what is buffered and gives the output back.
    pub fn finish(self) -> Result<W, CsvError> {
        self.inner
            .into_inner()
            .map_err(|e| CsvError::from(std::io::Error::other(e.error().to_string())))
    }
}

/// `value` as a spreadsheet shows it as text, never as a formula.
pub fn defuse(value: &str) -> Cow<'_, str> {
    let triggers = value.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if triggers && value.trim().parse::<f64>().map_or(true, |n| !n.is_finite()) {
        Cow::Owned(format!("'{value}"))
    } else {
        Cow::Borrowed(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(quoting: Quoting, rows: &[&[&str]]) -> String {
        let mut w = CsvWriter::new(Vec::new(), &["row", "reason"], quoting).unwrap();
        for row in rows {
            w.row(row.iter()).unwrap();
        }
        String::from_utf8(w.finish().unwrap()).unwrap()
    }

    #[test]
    fn quotes_what_needs_it() {
        assert_eq!(
            written(
                Quoting::AsNeeded,
                &[&["plain", "a,b", "say \"hi\"", "two\nlines", ""]]
            ),
            "row,reason\nplain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\n"
        );
    }

    #[test]
    fn text_quoting_leaves_numbers_and_the_header() {
        assert_eq!(
            written(Quoting::Text, &[&["3", "missing house number", " x"]]),
            "row,reason\n3,\"missing house number\",\" x\"\n"
        );
    }

    #[test]
    fn formulas_are_defused_numbers_are_not() {
        assert_eq!(defuse("=cmd()"), "'=cmd()");
        for trigger in ["+1+1", "-1+cmd", "@SUM(A1)", "\tx", "\rx", "-inf"] {
            assert!(defuse(trigger).starts_with('\''), "{trigger:?}");
        }
        for kept in ["-122.03", "+1", "37.9", "plain", "a=b"] {
            assert_eq!(defuse(kept), kept);
        }
        assert_eq!(
            written(Quoting::AsNeeded, &[&["=cmd()"]]),
            "row,reason\n'=cmd()\n"
        );
    }
}
