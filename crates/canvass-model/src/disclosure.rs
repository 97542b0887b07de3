//! What a disclosure of contact details must carry: a case number and, optionally, a reason.
//! The contact route, the OGC `camera_contacts` collection and `canvass export --pii` all check
//! them here, so a case number one door takes is taken by every other.

/// The longest case number, in characters.
pub const MAX_CASE_NUMBER: usize = 64;
/// The longest reason, in characters.
pub const MAX_REASON: usize = 500;

/// Why a case number or reason was refused; the message is safe to show the caller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DisclosureInputError {
    /// Missing, too long, or a character outside letters, digits and `- _ / .`.
    #[error("a case number is 1 to {MAX_CASE_NUMBER} letters, digits and - _ / .")]
    CaseNumber,
    /// Too long, or a control character (a line break among them).
    #[error("a reason is at most {MAX_REASON} characters of text on one line")]
    Reason,
}

/// The case number, trimmed: 1 to 64 ASCII letters, digits and `- _ / .`, which every
/// department's records system we know of fits and no query language or log format misreads.
pub fn case_number(text: &str) -> Result<String, DisclosureInputError> {
    let case = text.trim();
    let fits = (1..=MAX_CASE_NUMBER).contains(&case.len())
        && case
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_/.".contains(c));
    if fits {
        Ok(case.to_owned())
    } else {
        Err(DisclosureInputError::CaseNumber)
    }
}

/// The reason, trimmed; `None` when it is empty or only spaces.
pub fn reason(text: &str) -> Result<Option<String>, DisclosureInputError> {
    let reason = text.trim();
    if reason.is_empty() {
        return Ok(None);
    }
    if reason.chars().count() > MAX_REASON || reason.chars().any(char::is_control) {
        return Err(DisclosureInputError::Reason);
    }
    Ok(Some(reason.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_numbers_are_trimmed_and_bounded() {
        assert_eq!(case_number(" 24-001234 ").as_deref(), Ok("24-001234"));
        assert_eq!(case_number("A/B_c.9").as_deref(), Ok("A/B_c.9"));
        assert_eq!(case_number(&"9".repeat(64)).map(|c| c.len()), Ok(64));
        for bad in ["", "   ", "24 001", "24-001;drop", "ñ-1", "a\nb"] {
            assert_eq!(
                case_number(bad),
                Err(DisclosureInputError::CaseNumber),
                "{bad:?}"
            );
        }
        assert!(case_number(&"9".repeat(65)).is_err());
    }

    #[test]
    fn reasons_are_optional_one_line_text() {
        assert_eq!(reason("  "), Ok(None));
        assert_eq!(
            reason(" robo en curso ").unwrap().as_deref(),
            Some("robo en curso")
        );
        assert_eq!(
            reason(&"é".repeat(500)).map(|r| r.map(|r| r.chars().count())),
            Ok(Some(500))
        );
        assert_eq!(reason(&"é".repeat(501)), Err(DisclosureInputError::Reason));
        assert_eq!(reason("two\nlines"), Err(DisclosureInputError::Reason));
    }
}
