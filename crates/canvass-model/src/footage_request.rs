//! A footage request, `POST /api/v1/canvasses/{id}/requests`: the owners of chosen cameras of
//! a canvass are asked by e-mail, each in their own language, either to preserve the recording
//! of a time window now (an officer follows up) or to hand it over for the case, with the
//! officer's name and a number to call back. Checked field by field like the canvass itself,
//! every refusal a [`CanvassInputError`] naming the field.

use chrono::{DateTime, FixedOffset, TimeDelta, Utc};
use serde::Deserialize;

use crate::canvass::{CanvassInputError, FUTURE_SLACK_MINUTES, MAX_AGE_DAYS, check_text, refuse};
use crate::db_enum;

/// Most owners one request mails; a larger canvass is asked in several requests.
pub const MAX_OWNERS: usize = 200;
/// Most cameras one request names (a canvass keeps at most this many).
pub const MAX_CAMERAS: usize = 5_000;
/// Longest window a request asks for: owners are asked for a clip, not their archive.
pub const MAX_WINDOW_HOURS: i64 = 72;
/// Longest officer name.
pub const MAX_OFFICER_NAME: usize = 100;
/// Longest callback number, and the characters it may hold.
pub const MAX_PHONE: usize = 40;

db_enum! {
    /// What the owners are asked for: to save the recording now (an officer follows up), or
    /// to hand it over for the case.
    RequestKind {
        Preservation => "preservation",
        Footage => "footage",
    }
}

/// The request as sent.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FootageRequestBody {
    kind: Option<String>,
    camera_ids: Option<Vec<i64>>,
    window_start: Option<String>,
    window_end: Option<String>,
    officer_name: Option<String>,
    callback_phone: Option<String>,
}

/// A checked footage request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FootageRequest {
    /// Preservation or footage.
    pub kind: RequestKind,
    /// The cameras whose owners are asked, ascending, without repeats.
    pub camera_ids: Vec<i64>,
    /// Start of the recording asked for, in the offset the officer gave (mails show it so).
    pub window_start: DateTime<FixedOffset>,
    /// End of the recording asked for.
    pub window_end: DateTime<FixedOffset>,
    /// Who the owner is to call; required for a footage request.
    pub officer_name: Option<String>,
    /// The number to call back; required for a footage request.
    pub callback_phone: Option<String>,
}

impl FootageRequestBody {
    /// Checks every field; `now` bounds the window.
    pub fn check(self, now: DateTime<Utc>) -> Result<FootageRequest, CanvassInputError> {
        let kind = match self.kind.as_deref().map(str::trim) {
            Some(kind) => kind
                .parse::<RequestKind>()
                .or_else(|_| refuse("kind", "must be preservation or footage"))?,
            None => return refuse("kind", "is required: preservation or footage"),
        };
        let mut camera_ids = match self.camera_ids {
            Some(ids) if !ids.is_empty() => ids,
            _ => return refuse("camera_ids", "name at least one camera of the canvass"),
        };
        if camera_ids.len() > MAX_CAMERAS {
            return refuse(
                "camera_ids",
                format!("names more than {MAX_CAMERAS} cameras"),
            );
        }
        if let Some(bad) = camera_ids.iter().find(|id| **id <= 0) {
            return refuse("camera_ids", format!("{bad} is not a camera id"));
        }
        camera_ids.sort_unstable();
        camera_ids.dedup();
        let window_start = time("window_start", self.window_start.as_deref(), now)?;
        let window_end = time("window_end", self.window_end.as_deref(), now)?;
        if window_end <= window_start {
            return refuse("window_end", "must be after window_start");
        }
        if window_end - window_start > TimeDelta::hours(MAX_WINDOW_HOURS) {
            return refuse(
                "window_end",
                format!(
                    "the window is longer than {MAX_WINDOW_HOURS} hours; ask for the part that matters"
                ),
            );
        }
        let officer_name = match self.officer_name {
            Some(name) => check_text("officer_name", &name, MAX_OFFICER_NAME, false)?,
            None => None,
        };
        let callback_phone = match self.callback_phone {
            Some(phone) => phone_number(&phone)?,
            None => None,
        };
        if kind == RequestKind::Footage {
            if officer_name.is_none() {
                return refuse(
                    "officer_name",
                    "a footage request names the officer to call",
                );
            }
            if callback_phone.is_none() {
                return refuse(
                    "callback_phone",
                    "a footage request gives a number to call back",
                );
            }
        }
        Ok(FootageRequest {
            kind,
            camera_ids,
            window_start,
            window_end,
            officer_name,
            callback_phone,
        })
    }
}

/// An RFC 3339 time in the offset given, no further back than any camera keeps footage and
/// not ahead of `now` beyond a laptop's clock drift.
fn time(
    field: &'static str,
    text: Option<&str>,
    now: DateTime<Utc>,
) -> Result<DateTime<FixedOffset>, CanvassInputError> {
    let Some(text) = text else {
        return refuse(field, "is required, e.g. 2026-12-01T14:00:00-08:00");
    };
    let time = DateTime::parse_from_rfc3339(text.trim()).or_else(|e| {
        refuse(
            field,
            format!("is not an RFC 3339 time such as 2026-12-01T14:00:00-08:00 ({e})"),
        )
    })?;
    if time > now + TimeDelta::minutes(FUTURE_SLACK_MINUTES) {
        return refuse(
            field,
            "is in the future; footage is asked for after it is recorded",
        );
    }
    if time < now - TimeDelta::days(MAX_AGE_DAYS) {
        return refuse(
            field,
            format!("is more than {MAX_AGE_DAYS} days ago; no camera keeps footage that long"),
        );
    }
    Ok(time)
}

/// A phone number as people write it: digits, spaces and `+ - ( ) .`, with 7 to 15 digits.
fn phone_number(text: &str) -> Result<Option<String>, CanvassInputError> {
    let Some(phone) = check_text("callback_phone", text, MAX_PHONE, false)? else {
        return Ok(None);
    };
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let allowed = phone
        .chars()
        .all(|c| c.is_ascii_digit() || " +-().".contains(c));
    if !allowed || !(7..=15).contains(&digits) {
        return refuse(
            "callback_phone",
            "is a phone number: 7 to 15 digits, with spaces and + - ( ) . if you like",
        );
    }
    Ok(Some(phone))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-02T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn check(json: &str) -> Result<FootageRequest, CanvassInputError> {
        serde_json::from_str::<FootageRequestBody>(json)
            .unwrap()
            .check(now())
    }

    const WINDOW: &str =
        r#""window_start": "2026-12-01T14:00:00-08:00", "window_end": "2026-12-01T16:00:00-08:00""#;

    #[test]
    fn a_preservation_request_needs_no_officer() {
        let request = check(&format!(
            r#"{{"kind": "preservation", "camera_ids": [9, 5, 9], {WINDOW}}}"#
        ))
        .unwrap();
        assert_eq!(request.kind, RequestKind::Preservation);
        assert_eq!(request.camera_ids, vec![5, 9]);
        assert_eq!(
            request.window_start.to_rfc3339(),
            "2026-12-01T14:00:00-08:00"
        );
        assert_eq!(request.officer_name, None);
    }

    #[test]
    fn a_footage_request_names_the_officer_and_a_number() {
        let ok = check(&format!(
            r#"{{"kind": "footage", "camera_ids": [5], {WINDOW},
                "officer_name": " Ofc. R. Diaz ", "callback_phone": "(925) 555-0142"}}"#
        ))
        .unwrap();
        assert_eq!(ok.officer_name.as_deref(), Some("Ofc. R. Diaz"));
        assert_eq!(ok.callback_phone.as_deref(), Some("(925) 555-0142"));
        let field = |json: String| check(&json).unwrap_err().field;
        assert_eq!(
            field(format!(
                r#"{{"kind": "footage", "camera_ids": [5], {WINDOW}, "callback_phone": "925 555 0142"}}"#
            )),
            "officer_name"
        );
        assert_eq!(
            field(format!(
                r#"{{"kind": "footage", "camera_ids": [5], {WINDOW}, "officer_name": "R"}}"#
            )),
            "callback_phone"
        );
        assert_eq!(
            field(format!(
                r#"{{"kind": "footage", "camera_ids": [5], {WINDOW}, "officer_name": "R", "callback_phone": "call me"}}"#
            )),
            "callback_phone"
        );
    }

    #[test]
    fn bad_fields_are_named() {
        let field = |json: &str| check(json).unwrap_err().field;
        assert_eq!(
            field(&format!(r#"{{"camera_ids": [5], {WINDOW}}}"#)),
            "kind"
        );
        assert_eq!(
            field(&format!(
                r#"{{"kind": "seize", "camera_ids": [5], {WINDOW}}}"#
            )),
            "kind"
        );
        assert_eq!(
            field(&format!(
                r#"{{"kind": "preservation", "camera_ids": [], {WINDOW}}}"#
            )),
            "camera_ids"
        );
        assert_eq!(
            field(&format!(
                r#"{{"kind": "preservation", "camera_ids": [-3], {WINDOW}}}"#
            )),
            "camera_ids"
        );
        let many: Vec<String> = (1..=5001).map(|i| i.to_string()).collect();
        assert_eq!(
            field(&format!(
                r#"{{"kind": "preservation", "camera_ids": [{}], {WINDOW}}}"#,
                many.join(",")
            )),
            "camera_ids"
        );
        assert_eq!(
            field(
                r#"{"kind": "preservation", "camera_ids": [5], "window_start": "yesterday", "window_end": "2026-12-01T16:00:00Z"}"#
            ),
            "window_start"
        );
        assert_eq!(
            field(
                r#"{"kind": "preservation", "camera_ids": [5], "window_start": "2026-12-01T16:00:00Z", "window_end": "2026-12-01T15:00:00Z"}"#
            ),
            "window_end"
        );
        assert_eq!(
            field(
                r#"{"kind": "preservation", "camera_ids": [5], "window_start": "2026-11-20T16:00:00Z", "window_end": "2026-11-30T15:00:00Z"}"#
            ),
            "window_end"
        );
        assert_eq!(
            field(
                r#"{"kind": "preservation", "camera_ids": [5], "window_start": "2026-12-05T16:00:00Z", "window_end": "2026-12-05T17:00:00Z"}"#
            ),
            "window_start"
        );
        assert!(
            serde_json::from_str::<FootageRequestBody>(r#"{"kind": "preservation", "emails": []}"#)
                .is_err()
        );
    }
}
