//! Settings from a TOML file become the defaults of the matching flags, so the command line
//! and `CANVASS_*` variables still override them and clap validates them like any flag.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::Command;

/// A settings file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigFileError {
    #[error("cannot read config file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
}

/// The `--config` value from the raw arguments or `CANVASS_CONFIG`, before clap runs.
pub fn config_path(args: &[OsString]) -> Option<PathBuf> {
    let mut iter = args.iter().skip(1);
    while let Some(arg) = iter.next() {
        let text = arg.to_string_lossy();
        if text == "--" {
            break;
        }
        if text == "--config" {
            return iter.next().map(PathBuf::from);
        }
        if let Some(value) = text.strip_prefix("--config=") {
            return Some(PathBuf::from(value));
        }
    }
    std::env::var_os("CANVASS_CONFIG")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// Applies the file's settings as defaults of `command`'s flags (and its subcommands').
pub fn apply(command: Command, path: &Path) -> Result<Command, ConfigFileError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigFileError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let table: toml::Table =
        text.parse()
            .map_err(|e: toml::de::Error| ConfigFileError::Invalid {
                path: path.to_path_buf(),
                message: e.message().to_owned(),
            })?;
    let mut command = command;
    for (key, value) in table {
        let flag = key.replace('_', "-");
        let value = match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            toml::Value::Float(f) => f.to_string(),
            _ => {
                return Err(ConfigFileError::Invalid {
                    path: path.to_path_buf(),
                    message: format!("setting {key:?} must be a string, number or boolean"),
                });
            }
        };
        if flag == "config" {
            return Err(ConfigFileError::Invalid {
                path: path.to_path_buf(),
                message: "a config file cannot name another config file".into(),
            });
        }
        let (updated, found) = set_default(command, &flag, &value);
        command = updated;
        if !found {
            return Err(ConfigFileError::Invalid {
                path: path.to_path_buf(),
                message: format!(
                    "unknown setting {key:?} (settings are long flag names, e.g. listen, data-dir)"
                ),
            });
        }
    }
    Ok(command)
}

fn set_default(mut command: Command, flag: &str, value: &str) -> (Command, bool) {
    let mut found = false;
    let ids: Vec<String> = command
        .get_arguments()
        .filter(|a| a.get_long() == Some(flag))
        .map(|a| a.get_id().to_string())
        .collect();
    for id in ids {
        let value = value.to_owned();
        command = command.mut_arg(id, |arg| arg.default_value(value));
        found = true;
    }
    let names: Vec<String> = command
        .get_subcommands()
        .map(|s| s.get_name().to_owned())
        .collect();
    for name in names {
        let mut sub_found = false;
        command = command.mut_subcommand(name, |sub| {
            let (sub, f) = set_default(sub, flag, value);
            sub_found = f;
            sub
        });
        found |= sub_found;
    }
    (command, found)
}
