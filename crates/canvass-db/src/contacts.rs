//! Sealed contact rows: re-sealing them under a new key generation.

use canvass_model::contact_seal::{ContactField, ContactKeyRing};
use tokio_postgres::GenericClient;

use crate::DbError;

const SELECT_STALE: &str =
    "SELECT registration_id, key_id, name_sealed, email_sealed, phone_sealed,
     business_name_sealed, notes_sealed
     FROM contacts WHERE key_id <> $1 ORDER BY registration_id LIMIT $2 FOR UPDATE SKIP LOCKED";
const UPDATE_SEALED: &str = "UPDATE contacts SET key_id = $2, name_sealed = $3, email_sealed = $4,
     phone_sealed = $5, business_name_sealed = $6, notes_sealed = $7, email_hash = $8
     WHERE registration_id = $1";
// Messages waiting in the mail outbox are sealed too: a generation they use is not pruned
// until they are sent (the seal is erased then).
const USED_KEY_IDS: &str =
    "SELECT key_id FROM contacts UNION SELECT totp_key_id FROM users WHERE totp_key_id IS NOT NULL
     UNION SELECT key_id FROM mail_outbox WHERE key_id IS NOT NULL";
const SELECT_STALE_TOTP: &str =
    "SELECT id, totp_key_id, totp_sealed, totp_pending_sealed FROM users
     WHERE totp_key_id IS NOT NULL AND totp_key_id <> $1 FOR UPDATE";
const UPDATE_TOTP: &str =
    "UPDATE users SET totp_key_id = $2, totp_sealed = $3, totp_pending_sealed = $4 WHERE id = $1";

/// Re-seals up to `batch` contacts not yet under the ring's current key; returns how many.
/// Run it in a transaction and repeat until it returns 0.
pub async fn reseal_batch(
    client: &impl GenericClient,
    ring: &ContactKeyRing,
    batch: i64,
) -> Result<u64, DbError> {
    let current = ring.current();
    let rows = client
        .query(SELECT_STALE, &[&current.id(), &batch])
        .await
        .map_err(DbError::pg("read contacts to re-seal"))?;
    for row in &rows {
        let id: i64 = row.get(0);
        let key_id: String = row.get(1);
        let reseal = |field: ContactField,
                      sealed: Option<Vec<u8>>|
         -> Result<Option<(Vec<u8>, String)>, DbError> {
            sealed
                .map(|bytes| {
                    let plain = ring
                        .open(&key_id, id, field, &bytes)
                        .map_err(|e| DbError::Seal(format!("contact of registration {id}: {e}")))?;
                    Ok((current.seal(id, field, &plain), plain))
                })
                .transpose()
        };
        let name = reseal(ContactField::Name, row.get(2))?.map(|(s, _)| s);
        let email = reseal(ContactField::Email, row.get(3))?;
        let phone = reseal(ContactField::Phone, row.get(4))?.map(|(s, _)| s);
        let business = reseal(ContactField::BusinessName, row.get(5))?.map(|(s, _)| s);
        let notes = reseal(ContactField::Notes, row.get(6))?.map(|(s, _)| s);
        let (email_sealed, email_hash) = match email {
            Some((sealed, plain)) => (Some(sealed), current.email_hash(&plain)),
            None => (None, Vec::new()),
        };
        client
            .execute(
                UPDATE_SEALED,
                &[
                    &id,
                    &current.id(),
                    &name,
                    &email_sealed,
                    &phone,
                    &business,
                    &notes,
                    &email_hash,
                ],
            )
            .await
            .map_err(DbError::pg("re-seal contact"))?;
    }
    Ok(rows.len() as u64)
}

/// Re-seals every user's TOTP secret (set up or pending) under the ring's current key.
pub async fn reseal_totp(
    client: &impl GenericClient,
    ring: &ContactKeyRing,
) -> Result<u64, DbError> {
    let current = ring.current();
    let rows = client
        .query(SELECT_STALE_TOTP, &[&current.id()])
        .await
        .map_err(DbError::pg("read TOTP secrets"))?;
    for row in &rows {
        let (id, key_id): (i64, String) = (row.get(0), row.get(1));
        let reseal = |sealed: Option<Vec<u8>>| -> Result<Option<Vec<u8>>, DbError> {
            sealed
                .map(|bytes| {
                    let plain = ring
                        .open(&key_id, id, ContactField::TotpSecret, &bytes)
                        .map_err(|e| DbError::Seal(format!("TOTP secret of user {id}: {e}")))?;
                    Ok(current.seal(id, ContactField::TotpSecret, &plain))
                })
                .transpose()
        };
        let (active, pending) = (reseal(row.get(2))?, reseal(row.get(3))?);
        client
            .execute(UPDATE_TOTP, &[&id, &current.id(), &active, &pending])
            .await
            .map_err(DbError::pg("re-seal TOTP secret"))?;
    }
    Ok(rows.len() as u64)
}

/// Key ids some contact, TOTP secret or waiting mail is still sealed under.
pub async fn used_key_ids(client: &impl GenericClient) -> Result<Vec<String>, DbError> {
    let rows = client
        .query(USED_KEY_IDS, &[])
        .await
        .map_err(DbError::pg("list key ids in use"))?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}
