//! Who may do what. Deny by default: a role has only the permissions listed here, and personal
//! data needs the separate `pii` grant on top.

use crate::db_enum;

db_enum! {
    /// A person's or machine's role.
    Role {
        Officer => "officer",
        Analyst => "analyst",
        Records => "records",
        Admin => "admin",
    }
}

/// What a route needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Maps and tiles.
    ViewMap,
    /// Running canvasses around incidents.
    Canvass,
    /// Machine feeds (OGC API Features, WFS, change feed).
    Feeds,
    /// Exports of the registry.
    Export,
    /// Users, keys, moderation, audit review.
    Administer,
    /// Knowing who one is (every signed-in principal).
    Identify,
}

impl Role {
    /// Whether this role carries `permission`.
    pub fn allows(self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Officer => matches!(permission, ViewMap | Canvass | Identify),
            Role::Analyst => matches!(permission, ViewMap | Canvass | Feeds | Export | Identify),
            Role::Records => matches!(permission, Feeds | Identify),
            Role::Admin => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_follow_the_design() {
        assert!(Role::Officer.allows(Permission::Canvass));
        assert!(!Role::Officer.allows(Permission::Feeds));
        assert!(Role::Analyst.allows(Permission::Export));
        assert!(!Role::Records.allows(Permission::ViewMap));
        assert!(Role::Admin.allows(Permission::Administer));
        assert!(!Role::Analyst.allows(Permission::Administer));
        assert_eq!("records".parse::<Role>(), Ok(Role::Records));
    }
}
