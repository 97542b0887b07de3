//! A registration as someone typed it (the public form, a row of a bulk import), checked and
//! normalised into what the registry stores, or refused field by field.
//!
//! Problems are values, not sentences: the pages say them in the reader's language.

use canvass_geo::LonLat;

use crate::camera::{check_facing, check_retention};
use crate::{CanExport, Kind, Language, Placement, RecordingMode, View, db_enum};

/// Most cameras one registration may list.
pub const MAX_CAMERAS: usize = 20;
/// Longest name, business name or address.
pub const MAX_TEXT: usize = 200;
/// Longest camera note.
pub const MAX_NOTES: usize = 1000;
/// Longest e-mail address (RFC 5321 path limit).
pub const MAX_EMAIL: usize = 254;

db_enum! {
    /// How the owner prefers to be reached.
    ContactMethod {
        Email => "email",
        Phone => "phone",
        Text => "text",
    }
}

/// The eight compass points a form offers for a camera's facing.
pub const COMPASS: [(&str, f64); 8] = [
    ("N", 0.0),
    ("NE", 45.0),
    ("E", 90.0),
    ("SE", 135.0),
    ("S", 180.0),
    ("SW", 225.0),
    ("W", 270.0),
    ("NW", 315.0),
];

/// What was typed for one registration; every field is text, as a form or a sheet gives it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SubmissionInput {
    /// Owner's name.
    pub name: String,
    /// Phone number.
    pub phone: String,
    /// E-mail address.
    pub email: String,
    /// `en` or `es`.
    pub language: String,
    /// `email`, `phone` or `text`.
    pub contact_method: String,
    /// `residence` or `business`.
    pub kind: String,
    /// Business name (for a business).
    pub business_name: String,
    /// Street address.
    pub address: String,
    /// Pin placed by the owner, when the address alone did not locate it.
    pub latitude: String,
    /// Pin longitude.
    pub longitude: String,
    /// The cameras.
    pub cameras: Vec<CameraInput>,
    /// The consent box was ticked.
    pub consent: bool,
}

/// What was typed for one camera.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CameraInput {
    /// `exterior` or `interior`.
    pub placement: String,
    /// Ticked views (`street`, `sidewalk`, …).
    pub views: Vec<String>,
    /// A compass point (`N`, `NE`, …), degrees, or empty.
    pub facing: String,
    /// Whole days, or empty when unknown.
    pub retention_days: String,
    /// `continuous` or `motion`.
    pub recording_mode: String,
    /// `yes`, `no` or `not_sure`.
    pub can_export: String,
    /// Free text.
    pub notes: String,
}

/// A registration ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRegistration {
    /// Owner's name, trimmed.
    pub name: String,
    /// E.164 (`+15551234567`), when given.
    pub phone: Option<String>,
    /// Normalised e-mail address (trimmed, lower case).
    pub email: String,
    /// Language of pages and e-mails.
    pub language: Language,
    /// Preferred contact.
    pub contact_method: ContactMethod,
    /// Residence or business.
    pub kind: Kind,
    /// Business name.
    pub business_name: Option<String>,
    /// Street address as typed, trimmed.
    pub address: String,
    /// The owner's pin (longitude, latitude), when given.
    pub pin: Option<LonLat>,
    /// One to [`MAX_CAMERAS`] cameras.
    pub cameras: Vec<NewCamera>,
}

/// A camera ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCamera {
    /// Outside or inside.
    pub placement: Placement,
    /// At least one view.
    pub views: Vec<View>,
    /// Degrees clockwise from north.
    pub facing_deg: Option<f64>,
    /// Days footage is kept, when known.
    pub retention_days: Option<i32>,
    /// When it records.
    pub recording_mode: RecordingMode,
    /// Whether footage can be exported.
    pub can_export: CanExport,
    /// Notes.
    pub notes: Option<String>,
}

/// What is wrong with a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// Empty but needed.
    Required,
    /// Longer than allowed.
    TooLong {
        /// Characters allowed.
        max: usize,
    },
    /// Contains `<`, `>` or a control character: text here is never markup.
    Markup,
    /// Not a phone number.
    Phone,
    /// Not an e-mail address.
    Email,
    /// Not one of the offered choices.
    Choice,
    /// Facing outside 0–360 degrees or not a compass point.
    Facing,
    /// Retention outside 0–3650 days or not a whole number.
    Retention,
    /// Latitude or longitude not a number in range, or only one of them.
    Coordinates,
    /// More than [`MAX_CAMERAS`] cameras.
    TooManyCameras,
    /// No camera at all.
    NoCameras,
    /// The consent box was not ticked.
    Consent,
    /// A phone number is needed for the chosen contact method.
    PhoneForMethod,
}

/// One refused field. `field` is the form field's name (`email`, `camera-2-facing`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Form field name.
    pub field: String,
    /// What is wrong.
    pub problem: Problem,
}

/// The form field name of camera `index` (0-based) field `name`.
pub fn camera_field(index: usize, name: &str) -> String {
    format!("camera-{index}-{name}")
}

impl SubmissionInput {
    /// Checks and normalises everything; all problems at once, so a form can show each beside
    /// its field.
    pub fn validate(&self) -> Result<NewRegistration, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut fail = |field: &str, problem| {
            errors.push(FieldError {
                field: field.to_owned(),
                problem,
            })
        };
        let name = text(&self.name, MAX_TEXT, true)
            .map_err(|p| fail("name", p))
            .ok();
        let email = normalise_email(&self.email)
            .map_err(|p| fail("email", p))
            .ok();
        let phone = match self.phone.trim() {
            "" => Ok(None),
            typed => normalise_phone(typed).map(Some),
        }
        .map_err(|p| fail("phone", p))
        .ok();
        let language = choice::<Language>(&self.language, Some(Language::En))
            .map_err(|p| fail("language", p))
            .ok();
        let contact_method =
            choice::<ContactMethod>(&self.contact_method, Some(ContactMethod::Email))
                .map_err(|p| fail("contact_method", p))
                .ok();
        if matches!(
            contact_method,
            Some(ContactMethod::Phone | ContactMethod::Text)
        ) && matches!(phone, Some(None))
        {
            fail("phone", Problem::PhoneForMethod);
        }
        let kind = choice::<Kind>(&self.kind, None)
            .map_err(|p| fail("kind", p))
            .ok();
        let business_name = text(&self.business_name, MAX_TEXT, kind == Some(Kind::Business))
            .map_err(|p| fail("business_name", p))
            .ok()
            .map(|b| Some(b).filter(|b| !b.is_empty() && kind == Some(Kind::Business)));
        let address = text(&self.address, MAX_TEXT, true)
            .map_err(|p| fail("address", p))
            .ok();
        let pin = pin(&self.longitude, &self.latitude)
            .map_err(|p| fail("latitude", p))
            .ok();
        if !self.consent {
            fail("consent", Problem::Consent);
        }
        let mut cameras = Vec::new();
        if self.cameras.is_empty() {
            fail("cameras", Problem::NoCameras);
        } else if self.cameras.len() > MAX_CAMERAS {
            fail("cameras", Problem::TooManyCameras);
        } else {
            for (i, camera) in self.cameras.iter().enumerate() {
                match camera.validate(i) {
                    Ok(c) => cameras.push(c),
                    Err(list) => errors.extend(list),
                }
            }
        }
        match (
            name,
            email,
            phone,
            language,
            contact_method,
            kind,
            business_name,
            address,
            pin,
        ) {
            (
                Some(name),
                Some(email),
                Some(phone),
                Some(language),
                Some(contact_method),
                Some(kind),
                Some(business_name),
                Some(address),
                Some(pin),
            ) if errors.is_empty() => Ok(NewRegistration {
                name,
                phone,
                email,
                language,
                contact_method,
                kind,
                business_name,
                address,
                pin,
                cameras,
            }),
            _ => Err(errors),
        }
    }
}

impl CameraInput {
    fn validate(&self, index: usize) -> Result<NewCamera, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut fail = |name: &str, problem| {
            errors.push(FieldError {
                field: camera_field(index, name),
                problem,
            })
        };
        let placement = choice::<Placement>(&self.placement, None)
            .map_err(|p| fail("placement", p))
            .ok();
        let mut views = Vec::new();
        for typed in &self.views {
            match typed.trim().parse::<View>() {
                Ok(v) if !views.contains(&v) => views.push(v),
                Ok(_) => {}
                Err(_) => fail("views", Problem::Choice),
            }
        }
        if self.views.is_empty() {
            fail("views", Problem::Required);
        }
        let facing = facing(&self.facing).map_err(|p| fail("facing", p)).ok();
        let retention = match self.retention_days.trim() {
            "" => Ok(None),
            typed => typed
                .parse::<i32>()
                .ok()
                .and_then(|d| check_retention(d).ok())
                .map(Some)
                .ok_or(Problem::Retention),
        }
        .map_err(|p| fail("retention_days", p))
        .ok();
        let recording = choice::<RecordingMode>(&self.recording_mode, None)
            .map_err(|p| fail("recording_mode", p))
            .ok();
        let export = choice::<CanExport>(&self.can_export, Some(CanExport::NotSure))
            .map_err(|p| fail("can_export", p))
            .ok();
        let notes = text(&self.notes, MAX_NOTES, false)
            .map_err(|p| fail("notes", p))
            .ok();
        match (placement, facing, retention, recording, export, notes) {
            (
                Some(placement),
                Some(facing_deg),
                Some(retention_days),
                Some(recording_mode),
                Some(can_export),
                Some(notes),
            ) if errors.is_empty() => Ok(NewCamera {
                placement,
                views,
                facing_deg,
                retention_days,
                recording_mode,
                can_export,
                notes: Some(notes).filter(|n| !n.is_empty()),
            }),
            _ => Err(errors),
        }
    }
}

/// Trimmed text within `max` characters, without markup; empty allowed unless `required`.
fn text(typed: &str, max: usize, required: bool) -> Result<String, Problem> {
    let trimmed = typed.trim();
    if trimmed.is_empty() {
        return if required {
            Err(Problem::Required)
        } else {
            Ok(String::new())
        };
    }
    if trimmed.chars().count() > max {
        return Err(Problem::TooLong { max });
    }
    if trimmed.contains(['<', '>']) {
        return Err(Problem::Markup);
    }
    // Control characters other than line breaks never belong in a form field.
    if trimmed
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(Problem::Markup);
    }
    Ok(trimmed.to_owned())
}

fn choice<T: std::str::FromStr>(typed: &str, default: Option<T>) -> Result<T, Problem> {
    match typed.trim() {
        "" => default.ok_or(Problem::Required),
        value => value.parse().map_err(|_| Problem::Choice),
    }
}

/// Lower-cased, trimmed, one `@`, a dotted domain of letters, digits and hyphens.
pub fn normalise_email(typed: &str) -> Result<String, Problem> {
    let email = typed.trim().to_lowercase();
    if email.is_empty() {
        return Err(Problem::Required);
    }
    if email.len() > MAX_EMAIL {
        return Err(Problem::TooLong { max: MAX_EMAIL });
    }
    let Some((local, domain)) = email.split_once('@') else {
        return Err(Problem::Email);
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c))
        && !local.starts_with('.')
        && !local.ends_with('.');
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if local_ok && domain_ok {
        Ok(email)
    } else {
        Err(Problem::Email)
    }
}

/// E.164: a North American number of 10 digits (or 11 starting with 1) becomes `+1…`; a number
/// written with a leading `+` keeps its country code (8–15 digits). Spaces, dots, dashes and
/// parentheses are allowed; letters are not.
pub fn normalise_phone(typed: &str) -> Result<String, Problem> {
    let typed = typed.trim();
    let international = typed.starts_with('+');
    let body = typed.strip_prefix('+').unwrap_or(typed);
    let mut digits = String::new();
    for c in body.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '.' | '(' | ')' => {}
            _ => return Err(Problem::Phone),
        }
    }
    match (international, digits.len()) {
        (true, 8..=15) => Ok(format!("+{digits}")),
        (false, 10) => Ok(format!("+1{digits}")),
        (false, 11) if digits.starts_with('1') => Ok(format!("+{digits}")),
        _ => Err(Problem::Phone),
    }
}

/// A compass point or degrees (0–360); empty: unknown.
fn facing(typed: &str) -> Result<Option<f64>, Problem> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Ok(None);
    }
    if let Some((_, degrees)) = COMPASS.iter().find(|(p, _)| p.eq_ignore_ascii_case(typed)) {
        return Ok(Some(*degrees));
    }
    typed
        .parse::<f64>()
        .ok()
        .and_then(|d| check_facing(d).ok())
        .map(Some)
        .ok_or(Problem::Facing)
}

/// Both coordinates or neither.
fn pin(lon: &str, lat: &str) -> Result<Option<LonLat>, Problem> {
    match (lon.trim(), lat.trim()) {
        ("", "") => Ok(None),
        (lon, lat) => {
            let lon: f64 = lon.parse().map_err(|_| Problem::Coordinates)?;
            let lat: f64 = lat.parse().map_err(|_| Problem::Coordinates)?;
            LonLat::new(lon, lat)
                .map(Some)
                .map_err(|_| Problem::Coordinates)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn input() -> SubmissionInput {
        SubmissionInput {
            name: " Ana López ".into(),
            phone: "(925) 555-0100".into(),
            email: " Ana@Example.ORG ".into(),
            language: "es".into(),
            contact_method: "text".into(),
            kind: "residence".into(),
            business_name: "ignored for a residence".into(),
            address: "1234 Main St".into(),
            latitude: String::new(),
            longitude: String::new(),
            cameras: vec![CameraInput {
                placement: "exterior".into(),
                views: vec!["street".into(), "driveway".into()],
                facing: "NE".into(),
                retention_days: "30".into(),
                recording_mode: "motion".into(),
                can_export: "yes".into(),
                notes: String::new(),
            }],
            consent: true,
        }
    }

    fn problems(input: &SubmissionInput) -> Vec<(String, Problem)> {
        input
            .validate()
            .unwrap_err()
            .into_iter()
            .map(|e| (e.field, e.problem))
            .collect()
    }

    #[test]
    fn a_good_registration_is_normalised() {
        let r = input().validate().unwrap();
        assert_eq!(r.name, "Ana López");
        assert_eq!(r.email, "ana@example.org");
        assert_eq!(r.phone.as_deref(), Some("+19255550100"));
        assert_eq!(r.language, Language::Es);
        assert_eq!(r.business_name, None);
        assert_eq!(r.cameras[0].facing_deg, Some(45.0));
        assert_eq!(r.cameras[0].views, vec![View::Street, View::Driveway]);
        assert_eq!(r.cameras[0].notes, None);
    }

    #[test]
    fn every_problem_is_named_with_its_field() {
        let mut bad = input();
        bad.phone = "call me maybe".into();
        bad.email = "ana.example.org".into();
        bad.consent = false;
        bad.cameras[0].facing = "361".into();
        bad.cameras[0].notes = "<script>alert(1)</script>".into();
        bad.cameras[0].retention_days = "ten".into();
        let found = problems(&bad);
        for expected in [
            ("phone".to_owned(), Problem::Phone),
            ("email".to_owned(), Problem::Email),
            ("consent".to_owned(), Problem::Consent),
            ("camera-0-facing".to_owned(), Problem::Facing),
            ("camera-0-notes".to_owned(), Problem::Markup),
            ("camera-0-retention_days".to_owned(), Problem::Retention),
        ] {
            assert!(found.contains(&expected), "{expected:?} in {found:?}");
        }
    }

    #[test]
    fn camera_counts() {
        let mut many = input();
        many.cameras = vec![many.cameras[0].clone(); MAX_CAMERAS + 1];
        assert_eq!(
            problems(&many),
            vec![("cameras".into(), Problem::TooManyCameras)]
        );
        many.cameras.truncate(MAX_CAMERAS);
        assert!(many.validate().is_ok());
        many.cameras.clear();
        assert_eq!(
            problems(&many),
            vec![("cameras".into(), Problem::NoCameras)]
        );
    }

    #[test]
    fn phones_and_emails() {
        assert_eq!(
            normalise_phone("+52 55 1234 5678").unwrap(),
            "+525512345678"
        );
        assert_eq!(normalise_phone("1-925-555-0100").unwrap(), "+19255550100");
        assert_eq!(normalise_phone("555-0100"), Err(Problem::Phone));
        assert_eq!(normalise_phone("92555501OO"), Err(Problem::Phone));
        assert!(normalise_email("a@b").is_err());
        assert!(normalise_email("a@@b.org").is_err());
        assert!(normalise_email("a b@c.org").is_err());
        assert_eq!(normalise_email("X@Y.Org").unwrap(), "x@y.org");
        let mut text_without_phone = input();
        text_without_phone.phone.clear();
        assert_eq!(
            problems(&text_without_phone),
            vec![("phone".into(), Problem::PhoneForMethod)]
        );
    }

    #[test]
    fn a_business_needs_its_name_and_pins_come_in_pairs() {
        let mut business = input();
        business.kind = "business".into();
        business.business_name.clear();
        assert_eq!(
            problems(&business),
            vec![("business_name".into(), Problem::Required)]
        );
        let mut pinned = input();
        pinned.latitude = "37.97".into();
        assert_eq!(
            problems(&pinned),
            vec![("latitude".into(), Problem::Coordinates)]
        );
        pinned.longitude = "-122.03".into();
        assert_eq!(
            pinned.validate().unwrap().pin.map(|p| (p.lon(), p.lat())),
            Some((-122.03, 37.97))
        );
    }
}
