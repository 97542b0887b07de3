//! `canvass contact-key rotate|prune`: generations of the key ring that seals contact details
//! (not the API keys of `canvass key`).

use std::process::ExitCode;

use anyhow::Context;
use canvass_db::audit::{self, Actor, Event};
use canvass_db::connect::PoolOptions;
use canvass_db::contacts;

use crate::cli::{ContactKeyAction, GlobalArgs};
use crate::contact_key_file;

pub async fn run(global: &GlobalArgs, action: ContactKeyAction) -> anyhow::Result<ExitCode> {
    let path = contact_key_file::path(global);
    let ring = contact_key_file::load_or_create(global)?;
    let db = crate::open_database(global, PoolOptions::default()).await?;
    let outcome = async {
        let mut client = db.client().await?;
        canvass_db::migrate::run(&client, &crate::migrations(global)?).await?;
        match action {
            ContactKeyAction::Rotate { batch } => {
                // The file first: from now on every reader can open both generations.
                let rotated = ring.rotated();
                contact_key_file::write(&path, &rotated, false)?;
                let mut total = 0;
                loop {
                    let tx = client.transaction().await.context("begin")?;
                    let done = contacts::reseal_batch(&*tx, &rotated, batch).await?;
                    tx.commit().await.context("commit")?;
                    total += done;
                    if done == 0 {
                        break;
                    }
                }
                let tx = client.transaction().await.context("begin")?;
                let totp = contacts::reseal_totp(&*tx, &rotated).await?;
                tx.commit().await.context("commit")?;
                tracing::info!(count = totp, "TOTP secrets re-sealed");
                let event = Event::new(Actor::System("cli:keys".into()), "keys.rotate")
                    .details(serde_json::json!({ "key_id": rotated.current().id(), "resealed": total }));
                audit::record(&**client, &event).await?;
                println!(
                    "contact key rotated to {}; {total} contacts re-sealed. Old generations stay in {} until `canvass contact-key prune`.",
                    rotated.current().id(),
                    path.display()
                );
            }
            ContactKeyAction::Prune => {
                let used = contacts::used_key_ids(&**client).await?;
                let pruned = ring.pruned(&used);
                let dropped = ring.ids().len() - pruned.ids().len();
                if dropped > 0 {
                    contact_key_file::write(&path, &pruned, false)?;
                    audit::record(&**client, &Event::new(Actor::System("cli:keys".into()), "keys.prune")
                        .details(serde_json::json!({ "kept": pruned.ids() }))).await?;
                }
                println!("{dropped} unused key generation(s) removed; {} kept", pruned.ids().len());
            }
        }
        Ok::<_, anyhow::Error>(ExitCode::SUCCESS)
    }
    .await;
    db.close().await;
    outcome
}
