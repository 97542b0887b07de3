//! Literals as a caller writes them, and their conversion to a property's typed [`Value`]: the
//! one place that decides whether `30`, `'exterior'` or `'2024-05-01'` fits a property, for
//! CQL2 text, CQL2 JSON and the URL's own parameters alike. Times are read here too.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

use crate::error::{QueryError, cut};
use crate::filter::{TimeRange, Value};
use crate::queryables::{Property, PropertyType};

/// Whole numbers beyond this are not exact as `f64`, so a real literal past it is not taken
/// for a whole number.
const LARGEST_EXACT_WHOLE: f64 = 9_007_199_254_740_992.0;

/// The last representable instant of a day (chrono spells leap seconds as nanoseconds past
/// 999,999,999, which no stored value uses).
const LAST_OF_DAY: NaiveTime = match NaiveTime::from_hms_nano_opt(23, 59, 59, 999_999_999) {
    Some(time) => time,
    None => NaiveTime::MIN,
};

/// A literal before it meets the property it is compared with.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Literal {
    /// A number as written.
    Number(Number),
    /// A quoted string.
    Text(String),
    /// `DATE('…')` in text, `{"date": …}` in JSON.
    Date(NaiveDate),
    /// `TIMESTAMP('…')` in text, `{"timestamp": …}` in JSON.
    Timestamp(DateTime<Utc>),
}

/// A numeric literal: its value, and its exact whole value when it was written as one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Number {
    /// The exact value when written as a whole number that fits 64 bits.
    pub(crate) whole: Option<i64>,
    /// The value as a real number (infinite when written too large).
    pub(crate) real: f64,
}

impl Number {
    /// A number from its decimal text (`12`, `-3.5`, `1e3`); `None` when it is not one.
    pub(crate) fn parse(text: &str) -> Option<Number> {
        // `f64::from_str` also reads "inf" and "NaN"; a literal must be digits.
        if !text
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E'))
        {
            return None;
        }
        Some(Number {
            whole: text.parse::<i64>().ok(),
            real: text.parse::<f64>().ok()?,
        })
    }
}

impl Literal {
    /// What kind of literal it is, for messages.
    fn kind(&self) -> String {
        match self {
            Literal::Number(n) => format!("the number {}", n.real),
            Literal::Text(text) => format!("the text {:?}", cut(text)),
            Literal::Date(_) => "a date".to_owned(),
            Literal::Timestamp(_) => "a timestamp".to_owned(),
        }
    }
}

/// The literal as a value of the property's type, or why it is not one.
pub(crate) fn value_of(property: Property, literal: Literal) -> Result<Value, QueryError> {
    let refuse = |problem: String| QueryError::BadValue {
        property: property.name(),
        problem,
    };
    match (property.value_type(), literal) {
        (PropertyType::Integer, Literal::Number(n)) => whole(n)
            .map(Value::Integer)
            .ok_or_else(|| refuse(format!("expected a whole number, got {}", n.real))),
        (PropertyType::Number, Literal::Number(n)) if n.real.is_finite() => {
            Ok(Value::Number(n.real))
        }
        (PropertyType::Number, Literal::Number(_)) => {
            Err(refuse("expected a finite number".to_owned()))
        }
        (PropertyType::Text, Literal::Text(text)) => Ok(Value::Text(text)),
        (PropertyType::Enum(words) | PropertyType::EnumList(words), Literal::Text(text)) => {
            if words.contains(&text.as_str()) {
                Ok(Value::Text(text))
            } else {
                Err(refuse(format!(
                    "expected one of {}, got {:?}",
                    words.join(", "),
                    cut(&text)
                )))
            }
        }
        (PropertyType::Date, Literal::Date(day)) => Ok(Value::Date(day)),
        (PropertyType::Date, Literal::Text(text)) => {
            parse_date(&text).map(Value::Date).ok_or_else(|| {
                refuse(format!(
                    "expected a date (YYYY-MM-DD), got {:?}",
                    cut(&text)
                ))
            })
        }
        (PropertyType::Timestamp, Literal::Timestamp(instant)) => Ok(Value::Timestamp(instant)),
        (PropertyType::Timestamp, Literal::Text(text)) => {
            parse_timestamp(&text).map(Value::Timestamp).ok_or_else(|| {
                refuse(format!(
                    "expected an RFC 3339 instant such as 2024-05-01T12:00:00Z, got {:?}",
                    cut(&text)
                ))
            })
        }
        (wanted, literal) => Err(refuse(format!(
            "expected {}, got {}",
            describe(wanted),
            literal.kind()
        ))),
    }
}

/// A whole number, from an exact whole literal or a real one without a fraction.
fn whole(n: Number) -> Option<i64> {
    // The range check makes the cast exact.
    n.whole.or_else(|| {
        (n.real.fract() == 0.0 && n.real.abs() <= LARGEST_EXACT_WHOLE).then_some(n.real as i64)
    })
}

/// The kind of literal a property type takes, for messages.
fn describe(wanted: PropertyType) -> String {
    match wanted {
        PropertyType::Integer => "a whole number".to_owned(),
        PropertyType::Number => "a number".to_owned(),
        PropertyType::Text => "text in quotes".to_owned(),
        PropertyType::Enum(words) | PropertyType::EnumList(words) => {
            format!("one of {}", words.join(", "))
        }
        PropertyType::Date => "a date (YYYY-MM-DD)".to_owned(),
        PropertyType::Timestamp => "an RFC 3339 instant".to_owned(),
    }
}

/// An RFC 3339 instant (`2024-05-01T12:00:00Z`, any offset), in UTC.
pub(crate) fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|instant| instant.with_timezone(&Utc))
}

/// A calendar day written `YYYY-MM-DD`.
pub(crate) fn parse_date(text: &str) -> Option<NaiveDate> {
    if text.len() != 10 {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// A whole day, from its first to its last instant in UTC.
pub(crate) fn day(date: NaiveDate) -> TimeRange {
    TimeRange {
        start: Some(date.and_time(NaiveTime::MIN).and_utc()),
        end: Some(date.and_time(LAST_OF_DAY).and_utc()),
    }
}

/// One instant as a range.
pub(crate) fn instant(at: DateTime<Utc>) -> TimeRange {
    TimeRange {
        start: Some(at),
        end: Some(at),
    }
}

/// Which end of an interval a bound is: a day as a start begins at its first instant, as an
/// end it ends at its last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum End {
    /// The first instant.
    Start,
    /// The last instant.
    End,
}

/// One end of an interval written as text: `..` (or nothing) for open, a date or an instant.
pub(crate) fn bound(text: &str, end: End) -> Result<Option<DateTime<Utc>>, String> {
    if text.is_empty() || text == ".." {
        return Ok(None);
    }
    if let Some(at) = parse_timestamp(text) {
        return Ok(Some(at));
    }
    let range = parse_date(text).map(day).ok_or_else(|| {
        format!(
            "{:?} is not a date (YYYY-MM-DD), an RFC 3339 instant or ..",
            cut(text)
        )
    })?;
    Ok(match end {
        End::Start => range.start,
        End::End => range.end,
    })
}

/// The range between two bounds, refused when it ends before it starts.
pub(crate) fn interval(
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
) -> Result<TimeRange, String> {
    match (start, end) {
        (Some(s), Some(e)) if s > e => {
            Err(format!("the interval ends ({e}) before it starts ({s})"))
        }
        _ => Ok(TimeRange { start, end }),
    }
}

/// A range written as one text: an instant, a date (the whole day), or `start/end` with either
/// end open (`..` or nothing).
pub(crate) fn time_range(text: &str) -> Result<TimeRange, String> {
    match text.split_once('/') {
        Some((start, end)) => interval(bound(start, End::Start)?, bound(end, End::End)?),
        None => {
            if let Some(at) = parse_timestamp(text) {
                Ok(instant(at))
            } else if let Some(date) = parse_date(text) {
                Ok(day(date))
            } else {
                Err(format!(
                    "{:?} is not a date (YYYY-MM-DD), an RFC 3339 instant or an interval start/end",
                    cut(text)
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(text: &str) -> Literal {
        Literal::Number(Number::parse(text).unwrap())
    }

    #[test]
    fn numbers_are_digits_only() {
        assert_eq!(
            Number::parse("12"),
            Some(Number {
                whole: Some(12),
                real: 12.0
            })
        );
        assert_eq!(Number::parse("-1.5e2").unwrap().real, -150.0);
        assert_eq!(Number::parse("inf"), None);
        assert_eq!(Number::parse("NaN"), None);
        assert_eq!(Number::parse("1x"), None);
        assert!(Number::parse("1e999").unwrap().real.is_infinite());
    }

    #[test]
    fn literals_take_the_property_type() {
        let v = |p, l| value_of(p, l);
        assert_eq!(
            v(Property::RetentionDays, number("30")),
            Ok(Value::Integer(30))
        );
        assert_eq!(
            v(Property::RetentionDays, number("3e1")),
            Ok(Value::Integer(30))
        );
        assert!(v(Property::RetentionDays, number("30.5")).is_err());
        assert!(v(Property::RetentionDays, number("1e300")).is_err());
        assert_eq!(v(Property::RangeM, number("7")), Ok(Value::Number(7.0)));
        let infinite = v(Property::RangeM, number("1e999")).unwrap_err();
        assert!(infinite.to_string().starts_with("range_m:"), "{infinite}");
        assert!(v(Property::RangeM, Literal::Text("7".into())).is_err());
        assert_eq!(
            v(Property::Placement, Literal::Text("exterior".into())),
            Ok(Value::Text("exterior".into()))
        );
        let wrong = v(Property::Placement, Literal::Text("roof".into())).unwrap_err();
        assert_eq!(
            wrong.to_string(),
            "placement: expected one of exterior, interior, got \"roof\""
        );
        assert!(v(Property::Views, Literal::Text("street".into())).is_ok());
        assert!(v(Property::Views, Literal::Text("sky".into())).is_err());
        assert_eq!(
            v(Property::VerifiedOn, Literal::Text("2024-05-01".into())),
            Ok(Value::Date(NaiveDate::from_ymd_opt(2024, 5, 1).unwrap()))
        );
        assert!(v(Property::VerifiedOn, Literal::Text("2024-5-1".into())).is_err());
        assert!(v(Property::VerifiedOn, number("20240501")).is_err());
        assert!(
            v(
                Property::UpdatedAt,
                Literal::Text("2024-05-01T12:00:00+02:00".into())
            )
            .is_ok()
        );
        assert!(v(Property::UpdatedAt, Literal::Text("yesterday".into())).is_err());
        assert!(v(Property::Address, number("5")).is_err());
    }

    #[test]
    fn ranges_from_text() {
        let t = |s: &str| parse_timestamp(s).unwrap();
        assert_eq!(
            time_range("2024-05-01T10:00:00Z"),
            Ok(instant(t("2024-05-01T10:00:00Z")))
        );
        let may_day = time_range("2024-05-01").unwrap();
        assert_eq!(may_day.start, Some(t("2024-05-01T00:00:00Z")));
        assert_eq!(may_day.end, Some(t("2024-05-01T23:59:59.999999999Z")));
        let open = time_range("../2024-05-01").unwrap();
        assert_eq!((open.start, open.end), (None, may_day.end));
        let open = time_range("2024-05-01T10:00:00Z/").unwrap();
        assert_eq!(
            (open.start, open.end),
            (Some(t("2024-05-01T10:00:00Z")), None)
        );
        assert!(time_range("2024-05-02/2024-05-01").is_err());
        assert!(time_range("soon").is_err());
        assert!(time_range("2024-05-01/later").is_err());
    }
}
