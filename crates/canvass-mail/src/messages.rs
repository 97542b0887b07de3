//! Message texts, in English and Spanish.

use crate::Outgoing;

/// The language of a message; owners choose theirs when they register.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    /// English.
    En,
    /// Spanish.
    Es,
}

impl From<canvass_model::Language> for Language {
    fn from(language: canvass_model::Language) -> Self {
        match language {
            canvass_model::Language::En => Language::En,
            canvass_model::Language::Es => Language::Es,
        }
    }
}

/// The message `canvass mail test` sends, to check the mail settings end to end.
pub fn test_message(language: Language) -> Outgoing {
    match language {
        Language::En => Outgoing {
            subject: "Canvass test message".into(),
            text: "This is a test message from Canvass, the community camera registry.\n\
                   If you received it, the mail settings work. No action is needed.\n"
                .into(),
        },
        Language::Es => Outgoing {
            subject: "Mensaje de prueba de Canvass".into(),
            text: "Este es un mensaje de prueba de Canvass, el registro comunitario de cámaras.\n\
                   Si lo recibió, la configuración del correo funciona. No tiene que hacer nada.\n"
                .into(),
        },
    }
}
