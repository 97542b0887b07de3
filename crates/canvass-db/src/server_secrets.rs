//! Secrets shared by every `serve` replica of one database (migration 0014): made by the first
//! server that asks for one, then read by all, so that what one replica sealed another opens.

use tokio_postgres::GenericClient;

use crate::DbError;

/// The key that seals OGC API Features paging cursors.
pub const CURSOR_KEY: &str = "feature_cursor_key";

/// Adds the secret unless another server already did (the first one wins the race).
const INSERT_SECRET: &str =
    "INSERT INTO server_secrets (name, secret) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING";
const SELECT_SECRET: &str = "SELECT secret FROM server_secrets WHERE name = $1";

/// The 32-byte secret called `name`, made from the operating system's random source the first
/// time any server asks for it.
pub async fn shared_secret(client: &impl GenericClient, name: &str) -> Result<[u8; 32], DbError> {
    let fresh: [u8; 32] = rand::random();
    client
        .execute(INSERT_SECRET, &[&name, &fresh.as_slice()])
        .await
        .map_err(DbError::pg("store a new server secret"))?;
    let row = client
        .query_one(SELECT_SECRET, &[&name])
        .await
        .map_err(DbError::pg("read a server secret"))?;
    let stored: Vec<u8> = row.get(0);
    stored
        .try_into()
        .map_err(|_| DbError::Invalid(format!("server secret {name} is not 32 bytes")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::TestDatabase;

    #[tokio::test]
    async fn the_first_secret_made_is_the_one_every_server_reads() {
        let db = TestDatabase::new().await.unwrap();
        let client = db.connect().await.unwrap();
        let first = shared_secret(&client, CURSOR_KEY).await.unwrap();
        assert_eq!(shared_secret(&client, CURSOR_KEY).await.unwrap(), first);
        assert_ne!(first, [0; 32]);
        assert_ne!(shared_secret(&client, "another_key").await.unwrap(), first);
        // Names are a closed pattern: nothing else is stored.
        assert!(shared_secret(&client, "Robert'); --").await.is_err());
        // The application's role may add a secret but never change or remove one.
        client.batch_execute("SET ROLE canvass_app").await.unwrap();
        assert!(
            client
                .batch_execute("DELETE FROM server_secrets")
                .await
                .is_err()
        );
    }
}
