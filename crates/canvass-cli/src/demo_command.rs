//! `canvass demo`.

use std::process::ExitCode;
use std::time::Instant;

use canvass_db::connect::PoolOptions;
use canvass_db::demo::{self, DemoOptions};
use canvass_db::migrate;

use crate::cli::{DemoArgs, GlobalArgs};

pub async fn run(global: &GlobalArgs, args: DemoArgs) -> anyhow::Result<ExitCode> {
    let key = crate::contact_key_file::load_or_create(global)?;
    let set = crate::migrations(global)?;
    let db = crate::open_database(global, PoolOptions::default()).await?;
    let outcome = async {
        let mut client = db.client().await?;
        migrate::run(&client, &set).await?;
        let options = DemoOptions {
            cameras: args.cameras,
            seed: args.seed,
            as_of: args.as_of.unwrap_or_else(|| chrono::Utc::now().date_naive()),
        };
        let started = Instant::now();
        let report = demo::load(&mut client, options, key.current(), args.replace).await?;
        println!(
            "demo loaded: {} registrations, {} cameras, {} address points, {} street segments in {:.1}s (seed {}, as of {})",
            report.registrations,
            report.cameras,
            report.address_points,
            report.streets,
            started.elapsed().as_secs_f64(),
            options.seed,
            options.as_of
        );
        Ok::<_, anyhow::Error>(ExitCode::SUCCESS)
    }
    .await;
    db.close().await;
    outcome
}
