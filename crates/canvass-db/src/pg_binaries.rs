//! Finding the PostgreSQL 15 server programs and the PostGIS extension.

use std::path::{Path, PathBuf};

use crate::DbError;

/// Debian's location of the PostgreSQL 15 server programs.
const DEBIAN_BIN_DIR: &str = "/usr/lib/postgresql/15/bin";

/// The server programs an embedded cluster needs.
#[derive(Debug, Clone)]
pub struct PgBinaries {
    /// `initdb`.
    pub initdb: PathBuf,
    /// `postgres`.
    pub postgres: PathBuf,
    /// The extension directory that must hold `postgis.control`.
    pub extension_dir: PathBuf,
}

impl PgBinaries {
    /// Looks in `bin_dir` when given, else in Debian's directory, then on `PATH`.
    pub fn locate(bin_dir: Option<&Path>) -> Result<Self, DbError> {
        let mut candidates: Vec<PathBuf> = Vec::new();
        match bin_dir {
            Some(dir) => candidates.push(dir.to_path_buf()),
            None => {
                candidates.push(PathBuf::from(DEBIAN_BIN_DIR));
                if let Some(path) = std::env::var_os("PATH") {
                    candidates.extend(std::env::split_paths(&path));
                }
            }
        }
        let dir = candidates
            .iter()
            .find(|d| is_executable(&d.join("initdb")) && is_executable(&d.join("postgres")))
            .ok_or_else(|| DbError::MissingBinaries {
                what: "PostgreSQL server programs initdb and postgres".into(),
                looked: match bin_dir {
                    Some(d) => format!("looked in {}", d.display()),
                    None => format!("looked in {DEBIAN_BIN_DIR} and PATH"),
                },
            })?;
        // Follow symlinks (/usr/local/bin/postgres -> /usr/lib/postgresql/15/bin/postgres) so
        // that the share directory is found relative to the real installation.
        let postgres = std::fs::canonicalize(dir.join("postgres")).unwrap_or(dir.join("postgres"));
        let initdb = std::fs::canonicalize(dir.join("initdb")).unwrap_or(dir.join("initdb"));
        let extension_dir = share_dir_of(&postgres).join("extension");
        if !extension_dir.join("postgis.control").is_file() {
            return Err(DbError::MissingBinaries {
                what: "the PostGIS extension".into(),
                looked: format!("no postgis.control in {}", extension_dir.display()),
            });
        }
        Ok(PgBinaries {
            initdb,
            postgres,
            extension_dir,
        })
    }
}

/// `/usr/lib/postgresql/15/bin/postgres` → `/usr/share/postgresql/15` (Debian), else
/// `<prefix>/bin/postgres` → `<prefix>/share/postgresql`.
fn share_dir_of(postgres: &Path) -> PathBuf {
    let bin = postgres.parent().unwrap_or(Path::new("/"));
    let version_dir = bin.parent().unwrap_or(Path::new("/"));
    if let (Some(version), Some(lib_pg)) = (version_dir.file_name(), version_dir.parent()) {
        if lib_pg.ends_with("lib/postgresql") {
            let prefix = lib_pg
                .parent()
                .and_then(Path::parent)
                .unwrap_or(Path::new("/usr"));
            return prefix.join("share/postgresql").join(version);
        }
    }
    version_dir.join("share/postgresql")
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debian_share_dir() {
        assert_eq!(
            share_dir_of(Path::new("/usr/lib/postgresql/15/bin/postgres")),
            PathBuf::from("/usr/share/postgresql/15")
        );
        assert_eq!(
            share_dir_of(Path::new("/opt/pg/bin/postgres")),
            PathBuf::from("/opt/pg/share/postgresql")
        );
    }

    #[test]
    fn missing_dir_names_packages() {
        let err = PgBinaries::locate(Some(Path::new("/nonexistent")))
            .unwrap_err()
            .to_string();
        assert!(err.contains("postgresql-15-postgis-3"), "{err}");
    }
}
