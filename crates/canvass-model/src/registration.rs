//! Owner-level record: who registered, in which language, and where the entry stands.

use crate::db_enum;

db_enum! {
    /// Lifecycle of a registration. Only `Active` entries appear on maps, feeds and canvasses.
    RegistrationStatus {
        Pending => "pending",
        Active => "active",
        Paused => "paused",
        Lapsed => "lapsed",
        OptedOut => "opted_out",
    }
}

db_enum! {
    /// Residence or business.
    Kind {
        Residence => "residence",
        Business => "business",
    }
}

db_enum! {
    /// Language of the owner's pages and e-mails.
    Language {
        En => "en",
        Es => "es",
    }
}

db_enum! {
    /// How the registration reached the registry.
    Source {
        Web => "web",
        Import => "import",
        Officer => "officer",
        Demo => "demo",
    }
}

impl RegistrationStatus {
    /// Whether cameras of a registration in this status are visible to officers and feeds.
    pub fn is_visible(self) -> bool {
        self == RegistrationStatus::Active
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_round_trip() {
        for s in RegistrationStatus::ALL {
            assert_eq!(s.as_str().parse::<RegistrationStatus>(), Ok(*s));
        }
        assert!("deleted".parse::<RegistrationStatus>().is_err());
        assert!(RegistrationStatus::Active.is_visible());
        assert!(!RegistrationStatus::Paused.is_visible());
    }
}
