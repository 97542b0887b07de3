//! The mails the public pages send owners, from the messages of their language.

use canvass_mail::Outgoing;
use canvass_model::Language;

use super::settings::PublicSettings;

/// An e-mail from messages `{prefix}-subject` and `{prefix}-body`.
pub(crate) fn compose(
    s: &PublicSettings,
    lang: Language,
    prefix: &str,
    args: &[(&str, &str)],
) -> Outgoing {
    let mut all: Vec<(&str, &str)> = vec![("department", &s.department.name)];
    all.extend_from_slice(args);
    Outgoing {
        subject: s.messages.format(lang, &format!("{prefix}-subject"), &all),
        text: s.messages.format(lang, &format!("{prefix}-body"), &all) + "\n",
    }
}
