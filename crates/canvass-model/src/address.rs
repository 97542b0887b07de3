//! Street addresses reduced to what the geocoder compares: a house number and a street key.
//!
//! People type "1234 N. Main Street, Apt 5", address files say `1234` / `N MAIN ST`. Both
//! sides go through the same [`street_key`], so any two spellings that differ only in case,
//! punctuation, accents, USPS suffix and directional abbreviations (Publication 28, Appendix C)
//! or ordinal words meet on the same key. The key is a pure function of the words, applied to
//! every word alike: two really different streets may share a key (rare, and the geocoder then
//! offers both, so the person picks or places a pin), but two spellings of one street never miss
//! each other.
//!
//! Spanish-speaking residents are met where it is cheap: accents are folded (`Álamo` = `Alamo`),
//! `Avenida X` and `Calle X` are read as `X Ave` and `X St`, unit words such as `Apto`/`Depto`
//! are recognised, and the number may come after the street (`Calle Salvio 1234`).

use canvass_geo::LonLat;

/// Longest house number (`address_points.number`).
pub const MAX_NUMBER: usize = 20;
/// Longest street name (`address_points.street`).
pub const MAX_STREET: usize = 200;
/// Longest unit (`address_points.unit`).
pub const MAX_UNIT: usize = 40;
/// Longest city (`address_points.city`).
pub const MAX_CITY: usize = 100;
/// Longest postcode (`address_points.postcode`).
pub const MAX_POSTCODE: usize = 20;
/// Longest typed address [`parse_street_address`] reads (street, unit, city and all).
pub const MAX_TYPED_ADDRESS: usize = 300;

/// Why an address cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AddressError {
    /// Nothing was given.
    #[error("the address is empty")]
    Empty,
    /// No house number.
    #[error("missing house number")]
    MissingNumber,
    /// No street name.
    #[error("missing street name")]
    MissingStreet,
    /// A field is longer than its column allows.
    #[error("{field} is longer than {max} characters")]
    TooLong {
        /// Which field.
        field: &'static str,
        /// Its limit.
        max: usize,
    },
    /// Longitude or latitude out of range or not a number.
    #[error("coordinates {lon}, {lat} are not a valid longitude and latitude")]
    BadCoordinates {
        /// Longitude as read.
        lon: f64,
        /// Latitude as read.
        lat: f64,
    },
}

/// A typed address split into what the geocoder matches on, plus the unit it ignores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreetAddress {
    /// House number as [`house_number`] normalises it: `1234`, `1234A`, `1234 1/2`.
    pub number: String,
    /// The street's [`street_key`].
    pub street_key: String,
    /// Apartment, suite or unit (`5` for "Apt 5", "#5", "Unit 5"), not used for matching.
    pub unit: Option<String>,
}

/// One address point of an imported file, checked against the columns of `address_points`.
#[derive(Debug, Clone, PartialEq)]
pub struct AddressPoint {
    /// Normalised house number.
    pub number: String,
    /// Street name as the file spells it (trimmed), for display.
    pub street: String,
    /// [`street_key`] of `street`.
    pub street_key: String,
    /// Unit, if the file has one.
    pub unit: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Postcode.
    pub postcode: Option<String>,
    /// Where it is, EPSG:4326.
    pub location: LonLat,
}

impl AddressPoint {
    /// Checks and normalises one row: a number and a street are required, every text fits
    /// its column, and the coordinates are a real longitude and latitude. Optional fields that
    /// are blank become `None`.
    pub fn new(
        number: &str,
        street: &str,
        unit: Option<&str>,
        city: Option<&str>,
        postcode: Option<&str>,
        lon: f64,
        lat: f64,
    ) -> Result<AddressPoint, AddressError> {
        let number = house_number(number)?;
        let street = clean(street);
        if street.is_empty() {
            return Err(AddressError::MissingStreet);
        }
        check_len("street", &street, MAX_STREET)?;
        let street_key = street_key(&street);
        if street_key.is_empty() {
            return Err(AddressError::MissingStreet);
        }
        let optional = |value: Option<&str>, field, max| -> Result<Option<String>, AddressError> {
            let value = clean(value.unwrap_or_default());
            if value.is_empty() {
                return Ok(None);
            }
            check_len(field, &value, max)?;
            Ok(Some(value))
        };
        let unit = optional(unit, "unit", MAX_UNIT)?;
        let city = optional(city, "city", MAX_CITY)?;
        let postcode = optional(postcode, "postcode", MAX_POSTCODE)?;
        let location =
            LonLat::new(lon, lat).map_err(|_| AddressError::BadCoordinates { lon, lat })?;
        Ok(AddressPoint {
            number,
            street,
            street_key,
            unit,
            city,
            postcode,
            location,
        })
    }
}

/// A house number as stored and matched: trimmed, upper case, inner spaces collapsed, no
/// control characters (`" 1234a "` → `1234A`). Errors when empty or over [`MAX_NUMBER`].
pub fn house_number(raw: &str) -> Result<String, AddressError> {
    let number = clean(raw).to_uppercase();
    if number.is_empty() {
        return Err(AddressError::MissingNumber);
    }
    check_len("house number", &number, MAX_NUMBER)?;
    Ok(number)
}

/// The canonical key of a street name: upper case, accents folded, punctuation dropped,
/// whitespace collapsed, suffixes, directionals and ordinal words abbreviated the USPS way.
///
/// `"N. Main Street"`, `"north main st"` and `"NORTH MAIN ST."` all give `"N MAIN ST"`.
pub fn street_key(street: &str) -> String {
    let mut tokens: Vec<String> = fold(street)
        .split_whitespace()
        .map(|word| abbreviation(word).unwrap_or(word).to_owned())
        .collect();
    merge_split_directionals(&mut tokens);
    spanish_type_first(&mut tokens);
    tokens.join(" ")
}

/// Splits typed text such as `"1234 N. Main Street, Apt 5, Concord CA"` into house number,
/// street key and unit. What follows a comma is read only for a unit; city, state and postcode
/// are ignored. The number may also come last (`"Calle Salvio 1234"`).
pub fn parse_street_address(text: &str) -> Result<StreetAddress, AddressError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(AddressError::Empty);
    }
    if text.chars().count() > MAX_TYPED_ADDRESS {
        return Err(AddressError::TooLong {
            field: "address",
            max: MAX_TYPED_ADDRESS,
        });
    }
    let mut street_part: Option<Vec<String>> = None;
    let mut unit: Option<String> = None;
    for segment in text.split(',') {
        let tokens: Vec<String> = segment.split_whitespace().map(str::to_owned).collect();
        if tokens.is_empty() {
            continue;
        }
        if let Some(found) = unit_only(&tokens) {
            unit = unit.or(Some(found));
            continue;
        }
        if street_part.is_none() {
            street_part = Some(tokens);
        }
    }
    let mut tokens = street_part.ok_or(AddressError::MissingStreet)?;
    if let Some((at, found)) = trailing_unit(&tokens) {
        tokens.truncate(at);
        unit = found.or(unit);
    }
    let number = take_number(&mut tokens)?;
    let street_key = street_key(&tokens.join(" "));
    if street_key.is_empty() {
        return Err(AddressError::MissingStreet);
    }
    let unit = match unit {
        Some(u) if u.chars().count() > MAX_UNIT => {
            return Err(AddressError::TooLong {
                field: "unit",
                max: MAX_UNIT,
            });
        }
        other => other,
    };
    Ok(StreetAddress {
        number,
        street_key,
        unit,
    })
}

/// Trims, drops control characters (NUL would be refused by PostgreSQL) and collapses runs of
/// whitespace to one space.
fn clean(raw: &str) -> String {
    raw.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn check_len(field: &'static str, value: &str, max: usize) -> Result<(), AddressError> {
    if value.chars().count() > max {
        Err(AddressError::TooLong { field, max })
    } else {
        Ok(())
    }
}

/// Upper case with Latin accents folded; apostrophes vanish (`O'Farrell` → `OFARRELL`), every
/// other non-alphanumeric character becomes a space.
fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\'' | '’' | '‘' | '`' | '´' => {}
            c if c.is_alphanumeric() => {
                for upper in c.to_uppercase() {
                    out.push(unaccent(upper));
                }
            }
            _ => out.push(' '),
        }
    }
    out
}

fn unaccent(c: char) -> char {
    match c {
        'Á' | 'À' | 'Â' | 'Ä' | 'Ã' | 'Å' => 'A',
        'É' | 'È' | 'Ê' | 'Ë' => 'E',
        'Í' | 'Ì' | 'Î' | 'Ï' => 'I',
        'Ó' | 'Ò' | 'Ô' | 'Ö' | 'Õ' => 'O',
        'Ú' | 'Ù' | 'Û' | 'Ü' => 'U',
        'Ñ' => 'N',
        'Ç' => 'C',
        other => other,
    }
}

/// `N E` (from "N.E.") → `NE`, so that it meets "NE" and "Northeast".
fn merge_split_directionals(tokens: &mut Vec<String>) {
    let mut i = 0;
    while i + 1 < tokens.len() {
        let pair = (tokens[i].as_str(), tokens[i + 1].as_str());
        if matches!(pair.0, "N" | "S") && matches!(pair.1, "E" | "W") {
            let merged = format!("{}{}", pair.0, pair.1);
            tokens[i] = merged;
            tokens.remove(i + 1);
        }
        i += 1;
    }
}

/// Spanish puts the street type first: `CALLE SALVIO` → `SALVIO ST`, `AVENIDA X` → `X AVE`.
fn spanish_type_first(tokens: &mut Vec<String>) {
    if tokens.len() < 2 {
        return;
    }
    let english = match tokens[0].as_str() {
        "CALLE" => "ST",
        "AVENIDA" => "AVE",
        _ => return,
    };
    tokens.remove(0);
    tokens.push(english.to_owned());
}

/// Abbreviation of one folded word, if it has one.
fn abbreviation(word: &str) -> Option<&'static str> {
    ABBREVIATIONS
        .binary_search_by(|(long, _)| (*long).cmp(word))
        .ok()
        .map(|i| ABBREVIATIONS[i].1)
}

/// Long forms and common misspellings → the USPS abbreviation. Sorted by the first column
/// (a unit test checks), looked up by binary search.
const ABBREVIATIONS: &[(&str, &str)] = &[
    ("ALLEE", "ALY"),
    ("ALLEY", "ALY"),
    ("ALLY", "ALY"),
    ("AV", "AVE"),
    ("AVEN", "AVE"),
    ("AVENU", "AVE"),
    ("AVENUE", "AVE"),
    ("AVN", "AVE"),
    ("AVNUE", "AVE"),
    ("BOUL", "BLVD"),
    ("BOULEVAR", "BLVD"),
    ("BOULEVARD", "BLVD"),
    ("BOULV", "BLVD"),
    ("BRIDGE", "BRG"),
    ("CANYON", "CYN"),
    ("CENTER", "CTR"),
    ("CENTRE", "CTR"),
    ("CIRC", "CIR"),
    ("CIRCL", "CIR"),
    ("CIRCLE", "CIR"),
    ("COURT", "CT"),
    ("COVE", "CV"),
    ("CRCL", "CIR"),
    ("CRCLE", "CIR"),
    ("CREEK", "CRK"),
    ("CRESCENT", "CRES"),
    ("CROSSING", "XING"),
    ("CRT", "CT"),
    ("DRIV", "DR"),
    ("DRIVE", "DR"),
    ("DRV", "DR"),
    ("EAST", "E"),
    ("EIGHTH", "8TH"),
    ("ESTATES", "ESTS"),
    ("EXPRESSWAY", "EXPY"),
    ("EXPWY", "EXPY"),
    ("FIFTH", "5TH"),
    ("FIRST", "1ST"),
    ("FORT", "FT"),
    ("FOURTH", "4TH"),
    ("FREEWAY", "FWY"),
    ("FRWY", "FWY"),
    ("GARDEN", "GDN"),
    ("GARDENS", "GDNS"),
    ("GLEN", "GLN"),
    ("GROVE", "GRV"),
    ("HEIGHTS", "HTS"),
    ("HIGHWAY", "HWY"),
    ("HIGHWY", "HWY"),
    ("HILL", "HL"),
    ("HIWAY", "HWY"),
    ("HIWY", "HWY"),
    ("HOLLOW", "HOLW"),
    ("HWAY", "HWY"),
    ("ISLAND", "IS"),
    ("JUNCTION", "JCT"),
    ("LAKE", "LK"),
    ("LANDING", "LNDG"),
    ("LANE", "LN"),
    ("MANOR", "MNR"),
    ("MEADOW", "MDW"),
    ("MEADOWS", "MDWS"),
    ("MOUNT", "MT"),
    ("MOUNTAIN", "MTN"),
    ("NINTH", "9TH"),
    ("NORTH", "N"),
    ("NORTHEAST", "NE"),
    ("NORTHWEST", "NW"),
    ("PARKWAY", "PKWY"),
    ("PARKWY", "PKWY"),
    ("PKWAY", "PKWY"),
    ("PKY", "PKWY"),
    ("PLACE", "PL"),
    ("PLAZA", "PLZ"),
    ("POINT", "PT"),
    ("RIDGE", "RDG"),
    ("ROAD", "RD"),
    ("SAINT", "ST"),
    ("SECOND", "2ND"),
    ("SEVENTH", "7TH"),
    ("SIXTH", "6TH"),
    ("SOUTH", "S"),
    ("SOUTHEAST", "SE"),
    ("SOUTHWEST", "SW"),
    ("SQUARE", "SQ"),
    ("STR", "ST"),
    ("STREET", "ST"),
    ("STRT", "ST"),
    ("SUMMIT", "SMT"),
    ("TENTH", "10TH"),
    ("TERR", "TER"),
    ("TERRACE", "TER"),
    ("THIRD", "3RD"),
    ("TRAIL", "TRL"),
    ("TURNPIKE", "TPKE"),
    ("VALLEY", "VLY"),
    ("VIEW", "VW"),
    ("VILLAGE", "VLG"),
    ("VISTA", "VIS"),
    ("WEST", "W"),
    ("WY", "WAY"),
];

/// Words that introduce a unit. A bare `#` does too.
const UNIT_WORDS: &[&str] = &[
    "APARTAMENTO",
    "APARTMENT",
    "APT",
    "APTO",
    "DEPARTAMENTO",
    "DEPTO",
    "DPTO",
    "STE",
    "SUITE",
    "UNIT",
];

fn is_unit_word(token: &str) -> bool {
    let word: String = fold(token).split_whitespace().collect();
    UNIT_WORDS.contains(&word.as_str())
}

/// The unit identifier starting at `tokens[at]` (`APT 5`, `#5`, `# 5`, `Apt #5`), if it is one.
fn unit_at(tokens: &[String], at: usize) -> Option<Option<String>> {
    let first = tokens.get(at)?;
    let rest = if let Some(after_hash) = first.strip_prefix('#') {
        let mut rest: Vec<&str> = Vec::new();
        if !after_hash.is_empty() {
            rest.push(after_hash);
        }
        rest.extend(tokens[at + 1..].iter().map(String::as_str));
        rest
    } else if is_unit_word(first) {
        tokens[at + 1..]
            .iter()
            .map(|t| t.trim_start_matches('#'))
            .filter(|t| !t.is_empty())
            .collect()
    } else {
        return None;
    };
    let id = clean(&rest.join(" ")).to_uppercase();
    let id = id.trim_matches(|c: char| c == '.' || c == ':').to_owned();
    Some((!id.is_empty()).then_some(id))
}

/// A comma-separated segment that is only a unit ("Apt 5").
fn unit_only(tokens: &[String]) -> Option<String> {
    unit_at(tokens, 0).flatten()
}

/// Where a unit starts in the street part, and its identifier: only after the number and at
/// least one street word, so that a street named "Suite Ln" stays a street.
fn trailing_unit(tokens: &[String]) -> Option<(usize, Option<String>)> {
    (2..tokens.len()).find_map(|at| unit_at(tokens, at).map(|id| (at, id)))
}

/// Takes the house number from the front (or, Spanish order, the back) of the street tokens.
/// A fraction after it belongs to it: `1234 1/2 Main St`.
fn take_number(tokens: &mut Vec<String>) -> Result<String, AddressError> {
    let starts_numeric = |t: &String| t.starts_with(|c: char| c.is_ascii_digit());
    let is_ordinal = |t: &String| {
        let upper = t.to_uppercase();
        ["ST", "ND", "RD", "TH"].iter().any(|s| {
            upper.ends_with(s) && upper[..upper.len() - 2].chars().all(|c| c.is_ascii_digit())
        })
    };
    let mut number = if tokens
        .first()
        .is_some_and(|t| starts_numeric(t) && !is_ordinal(t))
    {
        tokens.remove(0)
    } else if tokens.len() >= 2
        && tokens
            .last()
            .is_some_and(|t| t.chars().all(|c| c.is_ascii_digit()))
    {
        tokens.pop().unwrap_or_default()
    } else {
        return Err(AddressError::MissingNumber);
    };
    if tokens.first().is_some_and(|t| is_fraction(t)) {
        number = format!("{number} {}", tokens.remove(0));
    }
    let number = number.trim_end_matches([',', '.']);
    house_number(number)
}

fn is_fraction(token: &str) -> bool {
    match token.split_once('/') {
        Some((a, b)) => {
            !a.is_empty()
                && !b.is_empty()
                && a.chars().all(|c| c.is_ascii_digit())
                && b.chars().all(|c| c.is_ascii_digit())
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abbreviation_table_is_sorted_and_unique() {
        assert!(
            ABBREVIATIONS.windows(2).all(|w| w[0].0 < w[1].0),
            "{:?}",
            ABBREVIATIONS.windows(2).find(|w| w[0].0 >= w[1].0)
        );
    }

    #[test]
    fn spellings_of_one_street_share_a_key() {
        let groups: &[&[&str]] = &[
            &[
                "Main St",
                "MAIN STREET",
                "main st.",
                "  Main   Street ",
                "Main Str",
                "MAIN-ST",
            ],
            &["N. Main Street", "North Main St", "N Main St", "n main st."],
            &[
                "Ygnacio Valley Rd",
                "YGNACIO VALLEY ROAD",
                "Ygnacio Valley Road",
            ],
            &["Willow Pass Road", "Willow Pass Rd.", "WILLOW PASS RD"],
            &["Concord Boulevard", "Concord Blvd", "Concord Boul."],
            &["Oak Avenue", "Oak Ave", "OAK AV", "Oak Ave."],
            &[
                "NE Elm Dr",
                "N.E. Elm Drive",
                "Northeast Elm Drive",
                "N E ELM DR",
            ],
            &["1st St", "First Street", "1ST ST"],
            &["O'Farrell St", "OFarrell Street", "O’Farrell St"],
            &["Calle Álamo", "CALLE ALAMO", "Alamo Street", "alamo st"],
            &["Avenida Central", "Central Avenue", "central ave"],
            &["Saint Francis Dr", "St. Francis Drive", "St Francis Dr"],
            &[
                "Pacific Coast Highway",
                "Pacific Coast Hwy",
                "PACIFIC COAST HIWAY",
            ],
            &["Sunset Terrace", "Sunset Ter", "sunset terr"],
            &["Lakeview Circle", "Lakeview Cir", "LAKEVIEW CIRC"],
            &["Park Place", "Park Pl"],
            &["Oak Court", "Oak Ct", "OAK CRT"],
            &["Elm Lane", "Elm Ln"],
            &["Sierra Parkway", "Sierra Pkwy", "Sierra Pky"],
            &["Buena Vista Way", "BUENA VISTA WAY", "Buena Vista Wy."],
            &["Main St West", "Main St W", "MAIN ST. W."],
            &["Peña Ct", "Pena Court"],
        ];
        for group in groups {
            let key = street_key(group[0]);
            assert!(!key.is_empty());
            for spelling in group.iter() {
                assert_eq!(street_key(spelling), key, "{spelling:?} vs {:?}", group[0]);
            }
        }
    }

    #[test]
    fn keys_are_canonical() {
        assert_eq!(street_key("1234 Main Street"), "1234 MAIN ST");
        assert_eq!(street_key("N. Main Street"), "N MAIN ST");
        assert_eq!(street_key("Ygnacio Valley Road"), "YGNACIO VLY RD");
        assert_eq!(street_key("Calle Salvio"), "SALVIO ST");
        assert_eq!(street_key("Calle"), "CALLE");
        assert_eq!(street_key("Way"), "WAY");
        assert_eq!(street_key("S E St"), "SE ST");
        assert_eq!(street_key(""), "");
        assert_eq!(street_key(" .,;- "), "");
        assert_eq!(street_key("Willow Pass Rd East"), "WILLOW PASS RD E");
    }

    #[test]
    fn different_streets_keep_different_keys() {
        assert_ne!(street_key("Main St"), street_key("Main Ave"));
        assert_ne!(street_key("N Main St"), street_key("S Main St"));
        assert_ne!(street_key("Main St"), street_key("Maine St"));
        assert_ne!(street_key("Oak St"), street_key("Oak Ct"));
    }

    fn parsed(text: &str) -> (String, String, Option<String>) {
        let a = parse_street_address(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        (a.number, a.street_key, a.unit)
    }

    #[test]
    fn typed_addresses() {
        let main = |unit: Option<&str>| {
            (
                "1234".to_owned(),
                "MAIN ST".to_owned(),
                unit.map(str::to_owned),
            )
        };
        for text in [
            "1234 Main St",
            "1234 Main St.",
            "1234 MAIN STREET",
            "  1234   main street  ",
            "1234 Main St, Concord, CA 94520",
            "1234 Main Street,",
        ] {
            assert_eq!(parsed(text), main(None), "{text:?}");
        }
        for text in [
            "1234 Main St Apt 5",
            "1234 Main St. Apt. 5",
            "1234 Main St #5",
            "1234 Main St # 5",
            "1234 Main Street Unit 5",
            "1234 Main St, Apt 5",
            "1234 Main St, #5, Concord CA",
            "1234 Main St Apt #5",
            "1234 Main St apto 5",
            "1234 Main St Depto. 5",
        ] {
            assert_eq!(parsed(text), main(Some("5")), "{text:?}");
        }
        assert_eq!(
            parsed("1234 N. Main Street Suite 200"),
            ("1234".into(), "N MAIN ST".into(), Some("200".into()))
        );
        assert_eq!(
            parsed("1234 1/2 Main St"),
            ("1234 1/2".into(), "MAIN ST".into(), None)
        );
        assert_eq!(
            parsed("1234a Main St"),
            ("1234A".into(), "MAIN ST".into(), None)
        );
        assert_eq!(
            parsed("Calle Salvio 1234"),
            ("1234".into(), "SALVIO ST".into(), None)
        );
        assert_eq!(
            parsed("1234 Calle Salvio"),
            ("1234".into(), "SALVIO ST".into(), None)
        );
        assert_eq!(
            parsed("1234 1st St"),
            ("1234".into(), "1ST ST".into(), None)
        );
        // A unit word right after the number is part of the street's name.
        assert_eq!(
            parsed("1234 Suite Ln"),
            ("1234".into(), "SUITE LN".into(), None)
        );
    }

    #[test]
    fn typed_addresses_that_cannot_be_used() {
        assert_eq!(parse_street_address(""), Err(AddressError::Empty));
        assert_eq!(parse_street_address("   "), Err(AddressError::Empty));
        assert_eq!(
            parse_street_address("Main St"),
            Err(AddressError::MissingNumber)
        );
        assert_eq!(
            parse_street_address("1st St"),
            Err(AddressError::MissingNumber)
        );
        assert_eq!(
            parse_street_address("1234"),
            Err(AddressError::MissingStreet)
        );
        assert_eq!(
            parse_street_address("1234 ,"),
            Err(AddressError::MissingStreet)
        );
        assert_eq!(
            parse_street_address("Apt 5"),
            Err(AddressError::MissingStreet)
        );
        assert!(matches!(
            parse_street_address(&"1 Main St ".repeat(100)),
            Err(AddressError::TooLong { .. })
        ));
        assert!(matches!(
            parse_street_address(&format!("{} Main St", "9".repeat(30))),
            Err(AddressError::TooLong { .. })
        ));
        assert!(matches!(
            parse_street_address(&format!("1 Main St Apt {}", "X".repeat(50))),
            Err(AddressError::TooLong { .. })
        ));
    }

    #[test]
    fn address_points_are_checked() {
        let p = AddressPoint::new(
            " 1234 ",
            "Main Street",
            Some(""),
            Some(" Concord "),
            None,
            -122.0,
            37.9,
        )
        .unwrap();
        assert_eq!(p.number, "1234");
        assert_eq!(p.street, "Main Street");
        assert_eq!(p.street_key, "MAIN ST");
        assert_eq!(p.unit, None);
        assert_eq!(p.city.as_deref(), Some("Concord"));
        let err = |n: &str, s: &str, lon: f64, lat: f64| {
            AddressPoint::new(n, s, None, None, None, lon, lat).unwrap_err()
        };
        assert_eq!(err("", "Main St", 0.0, 0.0), AddressError::MissingNumber);
        assert_eq!(err("1", " ", 0.0, 0.0), AddressError::MissingStreet);
        assert_eq!(err("1", "--", 0.0, 0.0), AddressError::MissingStreet);
        assert!(matches!(
            err("1", &"x".repeat(201), 0.0, 0.0),
            AddressError::TooLong {
                field: "street",
                ..
            }
        ));
        assert!(matches!(
            err("1", "Main", 181.0, 0.0),
            AddressError::BadCoordinates { .. }
        ));
        assert!(matches!(
            err("1", "Main", 0.0, f64::NAN),
            AddressError::BadCoordinates { .. }
        ));
        // NUL and other control characters never reach the database.
        let p = AddressPoint::new("1\0", "Main\u{0}St", None, None, None, 0.0, 0.0).unwrap();
        assert_eq!((p.number.as_str(), p.street.as_str()), ("1", "Main St"));
    }
}
