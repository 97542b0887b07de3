//! `canvass mail test`.

use std::process::ExitCode;

use canvass_mail::test_message;
use canvass_model::Language;

use crate::cli::{GlobalArgs, MailAction};

pub async fn run(global: &GlobalArgs, action: MailAction) -> anyhow::Result<ExitCode> {
    match action {
        MailAction::Test { to, language } => {
            let mailer = crate::mailer(global)?;
            let language = if language == "es" {
                Language::Es
            } else {
                Language::En
            };
            mailer.send(&to, &test_message(language)?).await?;
            println!("test message sent via {}", mailer.describe());
            Ok(ExitCode::SUCCESS)
        }
    }
}
