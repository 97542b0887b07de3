//! Registrations of an existing registry (a spreadsheet, a CSV, a GIS layer of camera points):
//! one camera per row; rows with the same e-mail address are one owner's cameras.
//!
//! Every row goes through the same [`SubmissionInput::validate`] as the public form, so an
//! import can store nothing the form would refuse. Placing rows that have no coordinates
//! (geocoding), the jurisdiction test and de-duplication against the registry need the
//! database: the `canvass import registrations` command does them, then gathers the rows of
//! each owner with [`group_by_owner`].

use std::collections::{BTreeMap, HashMap};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use canvass_geo::LonLat;
use canvass_model::submission::{
    CameraInput, FieldError, MAX_CAMERAS, NewRegistration, Problem, SubmissionInput,
};
use canvass_model::{CanExport, Kind, Language, Placement, RecordingMode, View};
use gdal::vector::{Feature, LayerAccess, OwnedLayer};

use crate::Rejection;
use crate::addresses::{check_complete, coordinate, integral, point_of, text};
use crate::error::{ImportError, cut};
use crate::fields::{FieldMap, FieldSpec, ResolvedFields, resolve};
use crate::source::{SourceCrs, ToLonLat, field_names, gdal_message, open_layer};

/// The attributes a registration import reads. `x`/`y` read coordinates from attributes; they
/// are guessed only in layers without a geometry (a spreadsheet), because a layer with one has
/// its points there.
pub const REGISTRATION_FIELDS: &[FieldSpec] = &[
    FieldSpec {
        key: "name",
        required: true,
        guesses: &[
            "OWNER",
            "OWNER_NAME",
            "NAME",
            "FULL_NAME",
            "FULLNAME",
            "CONTACT",
            "CONTACT_NAME",
            "FIRST_NAME+LAST_NAME",
            "FIRSTNAME+LASTNAME",
            "FIRST+LAST",
        ],
    },
    FieldSpec {
        key: "email",
        required: true,
        guesses: &[
            "EMAIL",
            "E_MAIL",
            "E-MAIL",
            "EMAIL_ADDRESS",
            "EMAILADDRESS",
            "OWNER_EMAIL",
            "CONTACT_EMAIL",
            "MAIL",
        ],
    },
    FieldSpec {
        key: "phone",
        required: false,
        guesses: &[
            "PHONE",
            "PHONE_NUMBER",
            "PHONENUMBER",
            "TELEPHONE",
            "TEL",
            "OWNER_PHONE",
            "CONTACT_PHONE",
            "MOBILE",
            "CELL",
        ],
    },
    FieldSpec {
        key: "address",
        required: true,
        guesses: &[
            "ADDRESS",
            "ADDR",
            "STREET_ADDRESS",
            "SITE_ADDRESS",
            "FULL_ADDRESS",
            "CAMERA_ADDRESS",
            "LOCATION",
            "ADDR_NUM+FULLNAME",
            "ADDR_NUM+STREET",
            "HOUSE_NUMBER+STREET",
            "NUMBER+STREET",
        ],
    },
    FieldSpec {
        key: "placement",
        required: true,
        guesses: &[
            "PLACEMENT",
            "MOUNT",
            "MOUNTING",
            "INDOOR_OUTDOOR",
            "INTERIOR_EXTERIOR",
        ],
    },
    FieldSpec {
        key: "views",
        required: true,
        guesses: &["VIEWS", "VIEW", "VIEWS_OF", "AREA_VIEWED", "COVERAGE"],
    },
    FieldSpec {
        key: "facing",
        required: false,
        guesses: &[
            "FACING",
            "FACING_DEG",
            "DIRECTION",
            "BEARING",
            "HEADING",
            "AZIMUTH",
        ],
    },
    FieldSpec {
        key: "retention_days",
        required: false,
        guesses: &[
            "RETENTION_DAYS",
            "RETENTION",
            "DAYS_KEPT",
            "STORAGE_DAYS",
            "DAYS_STORED",
        ],
    },
    FieldSpec {
        key: "recording_mode",
        required: true,
        guesses: &["RECORDING_MODE", "RECORDING", "RECORDS", "RECORD_MODE"],
    },
    FieldSpec {
        key: "can_export",
        required: false,
        guesses: &["CAN_EXPORT", "EXPORT", "EXPORTABLE", "CAN_SHARE"],
    },
    FieldSpec {
        key: "notes",
        required: false,
        guesses: &["NOTES", "NOTE", "COMMENTS", "COMMENT", "REMARKS"],
    },
    FieldSpec {
        key: "kind",
        required: true,
        guesses: &[
            "KIND",
            "OWNER_TYPE",
            "PROPERTY_TYPE",
            "RESIDENCE_OR_BUSINESS",
        ],
    },
    FieldSpec {
        key: "business_name",
        required: false,
        guesses: &[
            "BUSINESS_NAME",
            "BUSINESS",
            "BUSINESSNAME",
            "COMPANY",
            "COMPANY_NAME",
            "ORGANIZATION",
        ],
    },
    FieldSpec {
        key: "language",
        required: false,
        guesses: &["LANGUAGE", "LANG", "PREFERRED_LANGUAGE"],
    },
    FieldSpec {
        key: "contact_method",
        required: false,
        guesses: &["CONTACT_METHOD", "PREFERRED_CONTACT", "CONTACT_PREFERENCE"],
    },
    FieldSpec {
        key: "x",
        required: false,
        guesses: &["LONGITUDE", "LON", "LNG", "LONG", "X"],
    },
    FieldSpec {
        key: "y",
        required: false,
        guesses: &["LATITUDE", "LAT", "Y"],
    },
];

/// Keys `--default` may give a value for: descriptions of cameras and owners' preferences,
/// never contact details. A required one of them may then be missing from the file.
pub const DEFAULT_KEYS: &[&str] = &[
    "kind",
    "placement",
    "views",
    "facing",
    "retention_days",
    "recording_mode",
    "can_export",
    "language",
    "contact_method",
];

/// Keys whose values are personal data: reasons never quote them (reasons reach the terminal
/// and logs; the rejects file has the values).
const PERSONAL: &[&str] = &[
    "name",
    "email",
    "phone",
    "address",
    "business_name",
    "notes",
];

/// Longest `--default` value.
const MAX_DEFAULT: usize = 200;

/// Values used where a row's cell is empty or the file has no such column:
/// `--default kind=residence`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Defaults {
    entries: BTreeMap<&'static str, String>,
}

impl Defaults {
    /// Parses one `key=VALUE` and checks the value as a row's would be.
    pub fn parse(spec: &str) -> Result<Defaults, ImportError> {
        let Some((key, value)) = spec.split_once('=') else {
            return Err(ImportError::DefaultSyntax(format!(
                "{:?} is not key=VALUE",
                cut(spec, 60)
            )));
        };
        let key = key.trim().to_ascii_lowercase();
        let Some(known) = DEFAULT_KEYS.iter().find(|k| **k == key) else {
            return Err(ImportError::DefaultSyntax(format!(
                "unknown key {:?}; the keys are {}",
                cut(&key, 40),
                DEFAULT_KEYS.join(", ")
            )));
        };
        let value = value.trim();
        if value.is_empty() || value.chars().count() > MAX_DEFAULT {
            return Err(ImportError::DefaultSyntax(format!(
                "{key}: give a value of 1 to {MAX_DEFAULT} characters"
            )));
        }
        let mut probe = Defaults::default();
        probe.entries.insert(known, value.to_owned());
        let errors = match sample(&probe).validate() {
            Ok(_) => Vec::new(),
            Err(errors) => errors,
        };
        if let Some(error) = errors.iter().find(|e| field_key(&e.field) == *known) {
            return Err(ImportError::DefaultSyntax(format!(
                "{key} {:?}: {}",
                cut(value, 40),
                describe(known, error.problem)
            )));
        }
        Ok(probe)
    }

    /// Adds the entries of `other`; a key given twice is an error.
    pub fn merge(&mut self, other: Defaults) -> Result<(), ImportError> {
        for (key, value) in other.entries {
            if self.entries.insert(key, value).is_some() {
                return Err(ImportError::DefaultSyntax(format!("{key} is given twice")));
            }
        }
        Ok(())
    }

    /// The value for `key`, if one was given.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries.get(key).map(String::as_str)
    }
}

/// A good row of made-up values with `defaults` applied, to check a default as a row would be.
fn sample(defaults: &Defaults) -> SubmissionInput {
    let pick = |key: &str, fallback: &str| defaults.get(key).unwrap_or(fallback).to_owned();
    SubmissionInput {
        name: "Sample".into(),
        email: "sample@example.org".into(),
        address: "1 Main St".into(),
        phone: "9255550100".into(),
        language: choice("language", &pick("language", "en")),
        contact_method: choice("contact_method", &pick("contact_method", "email")),
        kind: choice("kind", &pick("kind", "residence")),
        business_name: "Sample".into(),
        cameras: vec![CameraInput {
            placement: choice("placement", &pick("placement", "exterior")),
            views: list(&pick("views", "street")),
            facing: pick("facing", ""),
            retention_days: integral(&pick("retention_days", "")),
            recording_mode: choice("recording_mode", &pick("recording_mode", "motion")),
            can_export: choice("can_export", &pick("can_export", "")),
            notes: String::new(),
        }],
        consent: true,
        ..SubmissionInput::default()
    }
}

/// How to read a registration layer.
#[derive(Debug, Clone, Default)]
pub struct RegistrationOptions {
    /// Layer name; `None`: the file's only layer.
    pub layer: Option<String>,
    /// `--map`; empty: guess from the usual field names.
    pub map: FieldMap,
    /// `--default key=VALUE`s.
    pub defaults: Defaults,
    /// CRS of the coordinates when the file names none or names a wrong one.
    pub source_crs: Option<String>,
}

/// A row checked like a form: one owner with one camera, and where the row says the camera
/// is (`None`: nowhere, the address is to be geocoded).
#[derive(Debug, Clone, PartialEq)]
pub struct RowRegistration {
    /// The owner and their one camera, normalised.
    pub registration: NewRegistration,
    /// Where the row's point or coordinate columns put it.
    pub location: Option<LonLat>,
}

/// One row of the layer as read.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetRow {
    /// 1-based position of the feature in the layer (1 = the first row under the header).
    pub row: u64,
    /// Every attribute as text (empty for null), then the geometry as WKT when the layer has a
    /// geometry of its own: the original values, for the rejects file.
    pub values: Vec<String>,
    /// The checked row, or why it was refused.
    pub outcome: Result<RowRegistration, String>,
}

/// Counts of a finished read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SheetSummary {
    /// Features read, blank ones included.
    pub rows: u64,
    /// Rows without any value, skipped.
    pub blank: u64,
}

/// Where a row's coordinates come from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Coordinates {
    /// The layer's geometry.
    Geometry,
    /// Attribute fields.
    Attributes(Vec<usize>, Vec<usize>),
    /// None: every row is geocoded.
    None,
}

/// An opened registration layer with its fields chosen and its CRS checked; nothing read yet.
#[derive(Debug)]
pub struct RegistrationSource {
    path: PathBuf,
    layer: OwnedLayer,
    layer_name: String,
    fields: ResolvedFields,
    defaults: Defaults,
    coordinates: Coordinates,
    /// Whether the rejects file gets a WKT column (a geometry not made from CSV columns).
    geometry_column: bool,
    columns: Vec<String>,
    crs: SourceCrs,
}

impl RegistrationSource {
    /// Opens `path`, picks the layer, chooses the fields and checks the CRS. Every problem that
    /// would make the whole file unusable is found here, before anything is read.
    pub fn open(
        path: &Path,
        options: &RegistrationOptions,
    ) -> Result<RegistrationSource, ImportError> {
        let layer = open_layer(path, options.layer.as_deref())?;
        let layer_name = layer.name();
        let names = field_names(&layer);
        // A key with a default needs no column.
        let specs: Vec<FieldSpec> = REGISTRATION_FIELDS
            .iter()
            .map(|spec| FieldSpec {
                required: spec.required && options.defaults.get(spec.key).is_none(),
                ..*spec
            })
            .collect();
        let fields = resolve(&options.map, &specs, &layer_name, &names).map_err(|e| match e {
            ImportError::FieldNotFound {
                key,
                layer,
                tried,
                available,
            } if DEFAULT_KEYS.contains(&key) => ImportError::NoFieldNorDefault {
                key,
                layer,
                tried,
                available,
            },
            other => other,
        })?;
        let has_geometry = layer.defn().geom_fields().count() > 0;
        let mapped_xy = options.map.get("x").is_some() || options.map.get("y").is_some();
        let coordinates = if mapped_xy || !has_geometry {
            match (fields.indices("x"), fields.indices("y")) {
                (Some(x), Some(y)) => Coordinates::Attributes(x, y),
                (None, None) => Coordinates::None,
                _ => {
                    return Err(ImportError::MapSyntax(
                        "x and y go together: map both or neither".into(),
                    ));
                }
            }
        } else {
            Coordinates::Geometry
        };
        let is_csv = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| ["csv", "tsv"].contains(&e.to_ascii_lowercase().as_str()));
        let geometry_column = has_geometry && !is_csv;
        let mut columns = names;
        if geometry_column {
            columns.push("WKT".into());
        }
        let crs = SourceCrs::of_layer(&layer, options.source_crs.as_deref())?;
        Ok(RegistrationSource {
            path: path.to_owned(),
            layer,
            layer_name,
            fields,
            defaults: options.defaults.clone(),
            coordinates,
            geometry_column,
            columns,
            crs,
        })
    }

    /// The layer being read.
    pub fn layer_name(&self) -> &str {
        &self.layer_name
    }

    /// The CRS coordinates are taken to be in.
    pub fn crs_label(&self) -> &str {
        self.crs.label()
    }

    /// The fields chosen, e.g. `name=OWNER, email=EMAIL`, and where locations come from.
    pub fn fields_description(&self) -> String {
        match self.coordinates {
            Coordinates::Geometry => format!(
                "{}, location=each row's point, else its address",
                self.fields.describe_except(&["x", "y"])
            ),
            Coordinates::Attributes(..) => format!(
                "{}, location=x and y, else the address",
                self.fields.describe()
            ),
            Coordinates::None => format!("{}, location=the address", self.fields.describe()),
        }
    }

    /// Names of the values of [`SheetRow::values`]: the layer's fields, and `WKT`.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// Reads every feature and hands each row to `each`, which may stop the read by returning
    /// `ControlFlow::Break`. Rows with no value at all (blank lines of a sheet) are skipped
    /// but counted, so row numbers stay those of the file.
    pub fn read(
        mut self,
        mut each: impl FnMut(SheetRow) -> ControlFlow<()>,
    ) -> Result<SheetSummary, ImportError> {
        let to_lon_lat = self.crs.transformer()?;
        let plan = RowPlan::new(&self.fields, &self.defaults, &self.coordinates);
        let mut summary = SheetSummary::default();
        let expected = self.layer.try_feature_count();
        crate::source::take_gdal_failure();
        for feature in self.layer.features() {
            summary.rows += 1;
            let values = match original_values(&feature, self.geometry_column) {
                Ok(values) => values,
                Err(reason) => {
                    let row = SheetRow {
                        row: summary.rows,
                        values: Vec::new(),
                        outcome: Err(reason),
                    };
                    if each(row).is_break() {
                        return Ok(summary);
                    }
                    continue;
                }
            };
            let geometry = feature.geometry().filter(|g| !g.is_empty());
            if values.iter().all(|v| v.trim().is_empty()) && geometry.is_none() {
                summary.blank += 1;
                continue;
            }
            let outcome = plan.registration(&feature, &to_lon_lat);
            let row = SheetRow {
                row: summary.rows,
                values,
                outcome,
            };
            if each(row).is_break() {
                return Ok(summary);
            }
        }
        check_complete(&self.path, summary.rows, expected)?;
        Ok(summary)
    }
}

/// Every attribute as text, then the WKT of the geometry when asked.
fn original_values(feature: &Feature, with_geometry: bool) -> Result<Vec<String>, String> {
    let mut values = Vec::with_capacity(feature.field_count() + 1);
    for index in 0..feature.field_count() {
        let value = feature
            .field_as_string(index)
            .map_err(|e| format!("field {} unreadable: {}", index + 1, gdal_message(&e)))?;
        values.push(value.unwrap_or_default());
    }
    if with_geometry {
        let wkt = match feature.geometry().filter(|g| !g.is_empty()) {
            Some(g) => g
                .wkt()
                .map_err(|e| format!("geometry unreadable: {}", gdal_message(&e)))?,
            None => String::new(),
        };
        values.push(wkt);
    }
    Ok(values)
}

/// Where one key's value comes from.
struct KeyPlan {
    key: &'static str,
    /// The fields joined for it, if the layer has them.
    fields: Option<Vec<usize>>,
    /// `--default`, for an empty cell or no field.
    default: Option<String>,
}

/// The field indices and default of each key, looked up once.
struct RowPlan {
    keys: Vec<KeyPlan>,
    coordinates: Coordinates,
}

impl RowPlan {
    fn new(fields: &ResolvedFields, defaults: &Defaults, coordinates: &Coordinates) -> RowPlan {
        RowPlan {
            keys: REGISTRATION_FIELDS
                .iter()
                .filter(|s| s.key != "x" && s.key != "y")
                .map(|s| KeyPlan {
                    key: s.key,
                    fields: fields.indices(s.key),
                    default: defaults.get(s.key).map(str::to_owned),
                })
                .collect(),
            coordinates: coordinates.clone(),
        }
    }

    /// The row's values by key: the cells (joined), else the default.
    fn values(&self, feature: &Feature) -> Result<HashMap<&'static str, String>, String> {
        let mut values = HashMap::with_capacity(self.keys.len());
        for plan in &self.keys {
            let mut value = match &plan.fields {
                Some(fields) => text(feature, fields)?,
                None => String::new(),
            };
            if value.trim().is_empty() {
                if let Some(default) = &plan.default {
                    value.clone_from(default);
                }
            }
            values.insert(plan.key, value);
        }
        Ok(values)
    }

    fn registration(
        &self,
        feature: &Feature,
        to_lon_lat: &ToLonLat,
    ) -> Result<RowRegistration, String> {
        let values = self.values(feature)?;
        let get = |key: &str| values.get(key).cloned().unwrap_or_default();
        let input = SubmissionInput {
            name: get("name"),
            phone: integral(&get("phone")),
            email: get("email"),
            language: choice("language", &get("language")),
            contact_method: choice("contact_method", &get("contact_method")),
            kind: choice("kind", &get("kind")),
            business_name: get("business_name"),
            address: get("address"),
            latitude: String::new(),
            longitude: String::new(),
            cameras: vec![CameraInput {
                placement: choice("placement", &get("placement")),
                views: list(&get("views")),
                facing: get("facing"),
                retention_days: integral(&get("retention_days")),
                recording_mode: choice("recording_mode", &get("recording_mode")),
                can_export: choice("can_export", &get("can_export")),
                notes: get("notes"),
            }],
            // The department attests the owners' consent by importing them.
            consent: true,
        };
        let mut reasons = Vec::new();
        let registration = match input.validate() {
            Ok(registration) => Some(registration),
            Err(errors) => {
                reasons.extend(errors.iter().map(|e| reason(e, &values)));
                None
            }
        };
        let location = self.location(feature, to_lon_lat).map_err(|r| {
            reasons.push(r);
        });
        match (registration, location) {
            (Some(registration), Ok(location)) if reasons.is_empty() => Ok(RowRegistration {
                registration,
                location,
            }),
            _ => Err(reasons.join("; ")),
        }
    }

    /// The row's longitude/latitude, `None` when it gives none.
    fn location(&self, feature: &Feature, to_lon_lat: &ToLonLat) -> Result<Option<LonLat>, String> {
        let (x, y) = match &self.coordinates {
            Coordinates::None => return Ok(None),
            Coordinates::Geometry => {
                let Some(geometry) = feature.geometry().filter(|g| !g.is_empty()) else {
                    return Ok(None);
                };
                point_of(Some(geometry))?
            }
            Coordinates::Attributes(x, y) => {
                let (tx, ty) = (text(feature, x)?, text(feature, y)?);
                if tx.is_empty() && ty.is_empty() {
                    return Ok(None);
                }
                (coordinate(feature, x, "x")?, coordinate(feature, y, "y")?)
            }
        };
        to_lon_lat
            .convert(x, y)
            .map(Some)
            .map_err(|e| e.to_string())
    }
}

/// A value of a closed set as people write it in a sheet: any case, spaces or hyphens for
/// underscores, and a few common synonyms (`Y`, `Outdoor`, `Spanish`, `SMS`…).
pub fn choice(key: &str, typed: &str) -> String {
    let folded = typed.trim().to_lowercase().replace([' ', '-'], "_");
    let synonym = match (key, folded.as_str()) {
        ("can_export", "y" | "true" | "1" | "si" | "sí") => "yes",
        ("can_export", "n" | "false" | "0") => "no",
        ("can_export", "unknown" | "?" | "maybe" | "not_known" | "don't_know") => "not_sure",
        ("language", "english" | "eng" | "inglés" | "ingles") => "en",
        ("language", "spanish" | "spa" | "español" | "espanol") => "es",
        ("contact_method", "e_mail" | "mail") => "email",
        ("contact_method", "sms" | "text_message") => "text",
        ("contact_method", "call" | "telephone" | "phone_call") => "phone",
        ("placement", "outside" | "outdoor" | "outdoors") => "exterior",
        ("placement", "inside" | "indoor" | "indoors") => "interior",
        ("recording_mode", "motion_activated" | "motion_detection" | "event") => "motion",
        ("recording_mode", "always" | "24/7" | "constant") => "continuous",
        ("kind", "home" | "house" | "residential") => "residence",
        ("kind", "commercial") => "business",
        ("views", "parking") => "parking_lot",
        ("views", "door" | "front_door" | "entry") => "entrance",
        _ => return folded,
    };
    synonym.to_owned()
}

/// A list cell (`street, driveway`, `street;driveway`, `street|driveway`) as view values.
pub fn list(typed: &str) -> Vec<String> {
    typed
        .split([',', ';', '|'])
        .map(|v| choice("views", v))
        .filter(|v| !v.is_empty())
        .collect()
}

/// The `--map` key of a form field name (`camera-0-facing` → `facing`).
fn field_key(field: &str) -> &str {
    match field.strip_prefix("camera-") {
        Some(rest) => rest.split_once('-').map_or(rest, |(_, key)| key),
        None => field,
    }
}

/// One refused field for people: the key, the value unless it is personal, and what is wrong.
fn reason(error: &FieldError, values: &HashMap<&'static str, String>) -> String {
    let key = field_key(&error.field);
    let value = values.get(key).map(|v| v.trim()).unwrap_or_default();
    let problem = describe(key, error.problem);
    if PERSONAL.contains(&key) || value.is_empty() {
        format!("{key}: {problem}")
    } else {
        format!("{key} {:?}: {problem}", cut(value, 40))
    }
}

/// What is wrong, in words.
fn describe(key: &str, problem: Problem) -> String {
    match problem {
        Problem::Required => "missing".into(),
        Problem::TooLong { max } => format!("longer than {max} characters"),
        Problem::Markup => "contains <, > or a control character".into(),
        Problem::Phone => "not a phone number (10 digits, or + and the country code)".into(),
        Problem::Email => "not an e-mail address".into(),
        Problem::Choice => format!("not one of {}", choices(key)),
        Problem::Facing => "not a compass point (N, NE, …) or degrees from 0 to 360".into(),
        Problem::Retention => "not a whole number of days from 0 to 3650".into(),
        Problem::Coordinates => "not a longitude/latitude".into(),
        Problem::TooManyCameras => format!("more than {MAX_CAMERAS} cameras"),
        Problem::NoCameras => "no camera".into(),
        Problem::Consent => "no consent".into(),
        Problem::PhoneForMethod => "missing, and the contact method needs one".into(),
    }
}

/// The values a key accepts, for messages.
fn choices(key: &str) -> String {
    fn all<T: std::fmt::Display>(values: &[T]) -> String {
        values
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
    match key {
        "placement" => all(Placement::ALL),
        "views" => all(View::ALL),
        "recording_mode" => all(RecordingMode::ALL),
        "can_export" => all(CanExport::ALL),
        "kind" => all(Kind::ALL),
        "language" => all(Language::ALL),
        "contact_method" => all(canvass_model::ContactMethod::ALL),
        _ => "the allowed values".into(),
    }
}

/// A checked row placed on the map: one camera of an owner.
#[derive(Debug, Clone, PartialEq)]
pub struct PlacedRow {
    /// Row number in the file.
    pub row: u64,
    /// The owner and the row's one camera.
    pub registration: NewRegistration,
    /// Where its camera is.
    pub location: LonLat,
}

/// One owner's registration gathered from their rows.
#[derive(Debug, Clone, PartialEq)]
pub struct OwnerEntry {
    /// The owner's details (from their first row) and every camera.
    pub registration: NewRegistration,
    /// Address and position of each camera, in camera order.
    pub sites: Vec<(String, LonLat)>,
    /// The rows, in camera order.
    pub rows: Vec<u64>,
}

/// Gathers rows by e-mail address, in file order. An owner's first row gives their details
/// (name, phone, language…); each row adds its camera at its own place. Refused: a row beyond
/// [`MAX_CAMERAS`] cameras of one owner, and a row repeating an earlier row's camera at the
/// same place.
pub fn group_by_owner(rows: Vec<PlacedRow>) -> (Vec<OwnerEntry>, Vec<Rejection>) {
    let mut owners: Vec<OwnerEntry> = Vec::new();
    let mut by_email: HashMap<String, usize> = HashMap::new();
    let mut rejected = Vec::new();
    for placed in rows {
        let PlacedRow {
            row,
            mut registration,
            location,
        } = placed;
        let camera = registration.cameras.pop();
        let Some(camera) = camera.filter(|_| registration.cameras.is_empty()) else {
            rejected.push(Rejection {
                row,
                reason: "a row describes exactly one camera".into(),
            });
            continue;
        };
        let site = (registration.address.clone(), location);
        match by_email.get(&registration.email) {
            None => {
                by_email.insert(registration.email.clone(), owners.len());
                registration.cameras.push(camera);
                owners.push(OwnerEntry {
                    registration,
                    sites: vec![site],
                    rows: vec![row],
                });
            }
            Some(&index) => {
                let owner = &mut owners[index];
                let repeated = owner
                    .registration
                    .cameras
                    .iter()
                    .zip(&owner.sites)
                    .zip(&owner.rows)
                    .find(|((c, s), _)| **c == camera && same_site(s, &site));
                if let Some((_, earlier)) = repeated {
                    rejected.push(Rejection {
                        row,
                        reason: format!("the same owner, camera and place as row {earlier}"),
                    });
                } else if owner.registration.cameras.len() >= MAX_CAMERAS {
                    rejected.push(Rejection {
                        row,
                        reason: format!(
                            "the owner already has {MAX_CAMERAS} cameras in earlier rows \
                             (rows {} to {}); a registration holds at most {MAX_CAMERAS}",
                            owner.rows[0],
                            owner.rows[owner.rows.len() - 1]
                        ),
                    });
                } else {
                    owner.registration.cameras.push(camera);
                    owner.sites.push(site);
                    owner.rows.push(row);
                }
            }
        }
    }
    (owners, rejected)
}

fn same_site(a: &(String, LonLat), b: &(String, LonLat)) -> bool {
    a.0.eq_ignore_ascii_case(&b.0)
        && (a.1.lon() - b.1.lon()).abs() < 1e-7
        && (a.1.lat() - b.1.lat()).abs() < 1e-7
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placed(row: u64, email: &str, facing: &str, location: (f64, f64)) -> PlacedRow {
        let input = SubmissionInput {
            name: format!("Owner of row {row}"),
            email: email.into(),
            kind: "residence".into(),
            address: "1 Main St".into(),
            cameras: vec![CameraInput {
                placement: "exterior".into(),
                views: vec!["street".into()],
                facing: facing.into(),
                recording_mode: "motion".into(),
                ..CameraInput::default()
            }],
            consent: true,
            ..SubmissionInput::default()
        };
        PlacedRow {
            row,
            registration: input.validate().unwrap(),
            location: LonLat::new(location.0, location.1).unwrap(),
        }
    }

    #[test]
    fn sheet_values_become_form_values() {
        assert_eq!(choice("placement", " Outdoor "), "exterior");
        assert_eq!(choice("views", "Parking Lot"), "parking_lot");
        assert_eq!(choice("can_export", "Not sure"), "not_sure");
        assert_eq!(choice("can_export", "Y"), "yes");
        assert_eq!(choice("language", "Español"), "es");
        assert_eq!(choice("kind", "rooftop"), "rooftop");
        assert_eq!(
            list("Street; driveway|Front door, ,"),
            vec!["street", "driveway", "entrance"]
        );
        assert!(list("  ").is_empty());
    }

    #[test]
    fn reasons_name_the_key_and_hide_personal_values() {
        let values: HashMap<&'static str, String> = [
            ("email", "ana.example.org".to_owned()),
            ("facing", "400".to_owned()),
            ("placement", "rooftop".to_owned()),
        ]
        .into_iter()
        .collect();
        let error = |field: &str, problem| FieldError {
            field: field.into(),
            problem,
        };
        assert_eq!(
            reason(&error("email", Problem::Email), &values),
            "email: not an e-mail address"
        );
        assert_eq!(
            reason(&error("camera-0-facing", Problem::Facing), &values),
            "facing \"400\": not a compass point (N, NE, …) or degrees from 0 to 360"
        );
        assert_eq!(
            reason(&error("camera-0-placement", Problem::Choice), &values),
            "placement \"rooftop\": not one of exterior, interior"
        );
        assert_eq!(
            reason(&error("kind", Problem::Required), &values),
            "kind: missing"
        );
    }

    #[test]
    fn defaults_are_checked_like_cells() {
        let mut defaults = Defaults::parse("kind=Residential").unwrap();
        defaults
            .merge(Defaults::parse("views=street;driveway").unwrap())
            .unwrap();
        assert_eq!(defaults.get("kind"), Some("Residential"));
        let err = Defaults::parse("facing=400").unwrap_err().to_string();
        assert!(err.contains("facing \"400\""), "{err}");
        let err = Defaults::parse("placement=roof").unwrap_err().to_string();
        assert!(err.contains("not one of exterior, interior"), "{err}");
        let err = Defaults::parse("email=a@b.org").unwrap_err().to_string();
        assert!(err.contains("unknown key \"email\""), "{err}");
        assert!(Defaults::parse("kind").is_err());
        assert!(Defaults::parse("kind=").is_err());
        assert!(
            defaults
                .merge(Defaults::parse("kind=business").unwrap())
                .is_err()
        );
    }

    #[test]
    fn rows_of_one_email_are_one_owner() {
        let here = (-122.03, 37.97);
        let there = (-122.02, 37.98);
        let mut rows = vec![
            placed(1, "ana@example.org", "N", here),
            placed(2, "bo@example.org", "N", here),
            placed(3, "ANA@example.org", "S", there),
            placed(4, "ana@example.org", "N", here),
        ];
        rows[2].registration.name = "Another Name".into();
        let (owners, rejected) = group_by_owner(rows);
        assert_eq!(owners.len(), 2);
        assert_eq!(owners[0].rows, vec![1, 3]);
        assert_eq!(owners[0].registration.name, "Owner of row 1");
        assert_eq!(owners[0].registration.cameras.len(), 2);
        assert_eq!(
            (owners[0].sites[1].1.lon(), owners[0].sites[1].1.lat()),
            there
        );
        assert_eq!(
            rejected,
            vec![Rejection {
                row: 4,
                reason: "the same owner, camera and place as row 1".into()
            }]
        );
    }

    #[test]
    fn an_owner_has_at_most_twenty_cameras() {
        let rows: Vec<PlacedRow> = (1..=22)
            .map(|i| placed(i, "ana@example.org", &(i * 10).to_string(), (-122.0, 37.9)))
            .collect();
        let (owners, rejected) = group_by_owner(rows);
        assert_eq!(owners[0].registration.cameras.len(), MAX_CAMERAS);
        assert_eq!(rejected.len(), 2);
        assert_eq!(rejected[0].row, 21);
        assert!(rejected[0].reason.contains("rows 1 to 20"), "{rejected:?}");
    }
}
