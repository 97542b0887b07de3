//! `canvass migrate`.

use std::process::ExitCode;

use canvass_db::connect::PoolOptions;
use canvass_db::migrate;

use crate::cli::{GlobalArgs, MigrateArgs};

pub async fn run(global: &GlobalArgs, args: MigrateArgs) -> anyhow::Result<ExitCode> {
    let set = crate::migrations(global)?;
    let db = crate::open_database(global, PoolOptions::default()).await?;
    let outcome = async {
        let client = db.client().await?;
        if args.check {
            let pending = migrate::pending(&client, &set).await?;
            for file in &pending {
                println!("pending {file}");
            }
            println!(
                "{} pending, {} applied",
                pending.len(),
                set.len() - pending.len()
            );
            return Ok::<_, anyhow::Error>(if pending.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(crate::EXIT_FINDING)
            });
        }
        let report = migrate::run(&client, &set).await?;
        for file in &report.applied {
            println!("applied {file}");
        }
        println!(
            "{} applied now, {} already applied",
            report.applied.len(),
            report.already_applied
        );
        Ok(ExitCode::SUCCESS)
    }
    .await;
    db.close().await;
    outcome
}
