//! Which attribute field of a layer holds what: `--map number=ADDR_NUM,street=ST_NAME`, or the
//! usual field names of county and NENA/NG911 address files when nothing is said.
//!
//! Every import declares its keys as [`FieldSpec`]s, so the same `--map` syntax and the same
//! error messages serve address points today and registration sheets later.

use std::collections::BTreeMap;
use std::str::FromStr;

use crate::error::{ImportError, cut};

/// Longest `--map` argument read.
const MAX_SPEC: usize = 4096;
/// Longest field name read.
const MAX_FIELD_NAME: usize = 255;

/// One thing an import reads from the attributes.
#[derive(Debug, Clone, Copy)]
pub struct FieldSpec {
    /// The `--map` key, lower case.
    pub key: &'static str,
    /// Whether an import cannot go on without it.
    pub required: bool,
    /// Field names tried in order when `--map` does not name one, compared case-insensitively.
    /// `A+B` joins several fields with spaces; a `?` after a name makes that part optional
    /// (`ST_PREDIR?+ST_NAME+ST_POSTYP?`).
    pub guesses: &'static [&'static str],
}

/// What `--map` said: key → the fields joined for it. Keys are checked against the specs of
/// the import in [`resolve`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldMap {
    entries: BTreeMap<String, Vec<String>>,
}

impl FieldMap {
    /// Parses `key=FIELD[+FIELD…][,key=FIELD…]`, and checks the keys against `specs`.
    pub fn parse(spec: &str, specs: &[FieldSpec]) -> Result<FieldMap, ImportError> {
        let map: FieldMap = spec.parse()?;
        for key in map.entries.keys() {
            if !specs.iter().any(|s| s.key == key) {
                return Err(ImportError::UnknownMapKey {
                    key: cut(key, 40),
                    known: specs.iter().map(|s| s.key).collect(),
                });
            }
        }
        Ok(map)
    }

    /// Adds the entries of `other`; a key given twice is an error.
    pub fn merge(&mut self, other: FieldMap) -> Result<(), ImportError> {
        for (key, fields) in other.entries {
            if self.entries.contains_key(&key) {
                return Err(ImportError::MapSyntax(format!(
                    "{} is mapped twice",
                    cut(&key, 40)
                )));
            }
            self.entries.insert(key, fields);
        }
        Ok(())
    }

    /// The fields mapped to `key`, if any.
    pub fn get(&self, key: &str) -> Option<&[String]> {
        self.entries.get(key).map(Vec::as_slice)
    }

    /// Whether nothing was mapped.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl FromStr for FieldMap {
    type Err = ImportError;

    /// Syntax only; [`FieldMap::parse`] also checks the keys.
    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        if spec.chars().count() > MAX_SPEC {
            return Err(ImportError::MapSyntax(format!(
                "longer than {MAX_SPEC} characters"
            )));
        }
        let mut entries = BTreeMap::new();
        for item in spec.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let Some((key, value)) = item.split_once('=') else {
                return Err(ImportError::MapSyntax(format!(
                    "{:?} is not key=FIELD",
                    cut(item, 60)
                )));
            };
            let key = key.trim().to_ascii_lowercase();
            if key.is_empty() {
                return Err(ImportError::MapSyntax(format!(
                    "{:?} has no key before =",
                    cut(item, 60)
                )));
            }
            let fields: Vec<String> = value.split('+').map(|f| f.trim().to_owned()).collect();
            if fields.iter().any(String::is_empty) {
                return Err(ImportError::MapSyntax(format!(
                    "{:?} names an empty field",
                    cut(item, 60)
                )));
            }
            if let Some(long) = fields.iter().find(|f| f.chars().count() > MAX_FIELD_NAME) {
                return Err(ImportError::MapSyntax(format!(
                    "field name {:?} is longer than {MAX_FIELD_NAME} characters",
                    cut(long, 40)
                )));
            }
            if entries.insert(key.clone(), fields).is_some() {
                return Err(ImportError::MapSyntax(format!(
                    "{} is mapped twice",
                    cut(&key, 40)
                )));
            }
        }
        if entries.is_empty() {
            return Err(ImportError::MapSyntax(
                "empty; expected key=FIELD[,key=FIELD…]".into(),
            ));
        }
        Ok(FieldMap { entries })
    }
}

/// The fields of one layer chosen for each key: indices into the layer's fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResolvedFields {
    entries: Vec<(&'static str, Vec<(usize, String)>)>,
}

impl ResolvedFields {
    /// Field indices for `key`, in join order; `None` when the key has no field.
    pub fn indices(&self, key: &str) -> Option<Vec<usize>> {
        self.entries
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, fields)| fields.iter().map(|(i, _)| *i).collect())
    }

    /// `number=ADDR_NUM, street=ST_PREDIR+ST_NAME`: what was chosen, for the summary.
    pub fn describe(&self) -> String {
        self.describe_except(&[])
    }

    /// Like [`ResolvedFields::describe`], leaving out the keys `skip` (fields found but not
    /// used).
    pub fn describe_except(&self, skip: &[&str]) -> String {
        self.entries
            .iter()
            .filter(|(key, _)| !skip.contains(key))
            .map(|(key, fields)| {
                let names: Vec<&str> = fields.iter().map(|(_, n)| n.as_str()).collect();
                format!("{key}={}", names.join("+"))
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Chooses the fields of `layer_fields` for each spec: what `map` says (every named field must
/// exist), else the first guess that matches. A required spec that ends with nothing is an error
/// that lists the layer's fields.
pub fn resolve(
    map: &FieldMap,
    specs: &[FieldSpec],
    layer: &str,
    layer_fields: &[String],
) -> Result<ResolvedFields, ImportError> {
    let find = |name: &str| {
        layer_fields
            .iter()
            .position(|f| f.eq_ignore_ascii_case(name))
            .map(|i| (i, layer_fields[i].clone()))
    };
    let mut entries = Vec::new();
    for spec in specs {
        let chosen = match map.get(spec.key) {
            Some(names) => {
                let mut fields = Vec::with_capacity(names.len());
                for name in names {
                    let field = find(name).ok_or_else(|| ImportError::MissingField {
                        key: spec.key.to_owned(),
                        field: cut(name, 60),
                        layer: layer.to_owned(),
                        available: layer_fields.to_vec(),
                    })?;
                    fields.push(field);
                }
                Some(fields)
            }
            None => spec.guesses.iter().find_map(|guess| {
                let mut fields = Vec::new();
                for part in guess.split('+') {
                    match part.strip_suffix('?') {
                        Some(optional) => fields.extend(find(optional)),
                        None => fields.push(find(part)?),
                    }
                }
                (!fields.is_empty()).then_some(fields)
            }),
        };
        match chosen {
            Some(fields) => entries.push((spec.key, fields)),
            None if spec.required => {
                return Err(ImportError::FieldNotFound {
                    key: spec.key,
                    layer: layer.to_owned(),
                    tried: spec
                        .guesses
                        .iter()
                        .map(|g| g.replace('?', ""))
                        .collect::<Vec<_>>()
                        .join(", "),
                    available: layer_fields.to_vec(),
                });
            }
            None => {}
        }
    }
    Ok(ResolvedFields { entries })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPECS: &[FieldSpec] = &[
        FieldSpec {
            key: "number",
            required: true,
            guesses: &["ADDR_NUM", "NUMBER"],
        },
        FieldSpec {
            key: "street",
            required: true,
            guesses: &["FULLNAME", "ST_PREDIR?+ST_NAME+ST_POSTYP?"],
        },
        FieldSpec {
            key: "city",
            required: false,
            guesses: &["CITY"],
        },
    ];

    fn fields(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    #[test]
    fn map_syntax() {
        let map = FieldMap::parse(" number = ADDR ,street=A+ B ,", SPECS).unwrap();
        assert_eq!(map.get("number"), Some(&["ADDR".to_owned()][..]));
        assert_eq!(map.get("street"), Some(&fields(&["A", "B"])[..]));
        for bad in [
            "",
            ",",
            "number",
            "=X",
            "number=",
            "number=A+",
            "number=A,number=B",
        ] {
            assert!(
                matches!(bad.parse::<FieldMap>(), Err(ImportError::MapSyntax(_))),
                "{bad:?}"
            );
        }
        let err = FieldMap::parse("colour=RED", SPECS)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("unknown key \"colour\"") && err.contains("number, street, city"),
            "{err}"
        );
        let huge = format!("number={}", "X".repeat(5000));
        assert!(huge.parse::<FieldMap>().is_err());
        let long_name = format!("number={}", "X".repeat(300));
        assert!(long_name.parse::<FieldMap>().is_err());
    }

    #[test]
    fn guesses_and_explicit_fields() {
        let layer = fields(&[
            "fid",
            "addr_num",
            "St_PreDir",
            "ST_NAME",
            "ST_POSTYP",
            "City",
        ]);
        let r = resolve(&FieldMap::default(), SPECS, "pts", &layer).unwrap();
        assert_eq!(r.indices("number"), Some(vec![1]));
        assert_eq!(r.indices("street"), Some(vec![2, 3, 4]));
        assert_eq!(r.indices("city"), Some(vec![5]));
        assert_eq!(
            r.describe(),
            "number=addr_num, street=St_PreDir+ST_NAME+ST_POSTYP, city=City"
        );

        let layer = fields(&["NUMBER", "ST_NAME"]);
        let r = resolve(&FieldMap::default(), SPECS, "pts", &layer).unwrap();
        assert_eq!(r.indices("street"), Some(vec![1]));
        assert_eq!(r.indices("city"), None);

        let map = FieldMap::parse("number=HN,street=ROAD", SPECS).unwrap();
        let layer = fields(&["hn", "road", "ADDR_NUM"]);
        let r = resolve(&map, SPECS, "pts", &layer).unwrap();
        assert_eq!(
            (r.indices("number"), r.indices("street")),
            (Some(vec![0]), Some(vec![1]))
        );
    }

    #[test]
    fn missing_fields_are_named() {
        let map = FieldMap::parse("number=NOPE", SPECS).unwrap();
        let err = resolve(&map, SPECS, "pts", &fields(&["A", "B"]))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("no field \"NOPE\"") && err.contains("\"A\", \"B\""),
            "{err}"
        );
        let err = resolve(
            &FieldMap::default(),
            SPECS,
            "pts",
            &fields(&["ADDR_NUM", "B"]),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("no street field") && err.contains("--map street=FIELD"),
            "{err}"
        );
    }
}
