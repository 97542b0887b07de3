//! `canvass audit verify|export`.

use std::process::ExitCode;

use anyhow::Context;
use canvass_db::audit;
use canvass_db::connect::PoolOptions;

use crate::cli::{AuditAction, GlobalArgs};

pub async fn run(global: &GlobalArgs, action: AuditAction) -> anyhow::Result<ExitCode> {
    let db = crate::open_database(global, PoolOptions::default()).await?;
    let outcome = async {
        let client = db.client().await?;
        match action {
            AuditAction::Verify => {
                let (rows, findings) = audit::verify(&**client).await?;
                if findings.is_empty() {
                    println!("audit trail intact: {rows} rows");
                    return Ok(ExitCode::SUCCESS);
                }
                for finding in &findings {
                    println!("{finding}");
                }
                println!(
                    "audit trail TAMPERED: {} finding(s) in {rows} rows",
                    findings.len()
                );
                Ok(ExitCode::from(crate::EXIT_FINDING))
            }
            AuditAction::Export { since, output } => {
                let since = since.and_time(chrono::NaiveTime::MIN).and_utc();
                let count = match &output {
                    Some(path) => {
                        let file = std::fs::File::create(path)
                            .with_context(|| format!("cannot create {}", path.display()))?;
                        let mut writer = std::io::BufWriter::new(file);
                        let count = audit::export_csv(&**client, since, &mut writer).await?;
                        std::io::Write::flush(&mut writer)
                            .with_context(|| format!("cannot write {}", path.display()))?;
                        count
                    }
                    None => {
                        audit::export_csv(&**client, since, &mut std::io::stdout().lock()).await?
                    }
                };
                eprintln!("{count} audit rows exported");
                Ok::<_, anyhow::Error>(ExitCode::SUCCESS)
            }
        }
    }
    .await;
    db.close().await;
    outcome
}
