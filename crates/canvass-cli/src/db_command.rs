//! `canvass db status|stop`: the embedded cluster of a data directory.

use std::process::ExitCode;
use std::time::Duration;

use canvass_db::cluster;

use crate::cli::{DbAction, GlobalArgs};

pub fn run(global: &GlobalArgs, action: DbAction) -> anyhow::Result<ExitCode> {
    if global.database_url.is_some() {
        anyhow::bail!(
            "`canvass db` controls the embedded cluster; it does nothing with --database-url"
        );
    }
    let data_dir = &global.data_dir;
    match action {
        DbAction::Status => match cluster::running_socket_dir(data_dir) {
            Some(socket) => {
                println!("running; socket in {}", socket.display());
                Ok(ExitCode::SUCCESS)
            }
            None => {
                println!("not running ({})", data_dir.display());
                Ok(ExitCode::from(crate::EXIT_FINDING))
            }
        },
        DbAction::Stop => {
            if !data_dir.exists() {
                anyhow::bail!("no data directory at {}", data_dir.display());
            }
            if cluster::stop_running(data_dir, Duration::from_secs(30))? {
                println!("stopped");
            } else {
                println!("was not running");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
