//! Registrations by their owners: created pending, confirmed by an e-mailed link, managed
//! through single-use links, opted out (personal data deleted at once, tombstones left in
//! `changes` by the triggers), and purged when never confirmed.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use canvass_geo::LonLat;
use tokio_postgres::{Client, GenericClient};

use canvass_model::contact_seal::{ContactField, ContactKey, ContactKeyRing, SealError};
use canvass_model::submission::{ContactMethod, NewCamera, NewRegistration};
use canvass_model::{
    CanExport, Kind, Language, Placement, RecordingMode, RegistrationStatus, Source, View,
};

use crate::DbError;
use crate::places::lon_lat_of;
use crate::sessions::{random_token, token_hash};

/// How long a confirmation link works.
pub const CONFIRM_TTL: Duration = Duration::from_secs(7 * 24 * 3600);
/// How long a manage link works.
pub const MANAGE_TTL: Duration = Duration::from_secs(3600);
/// How long the session a manage link opens lasts.
pub const OWNER_SESSION_TTL: Duration = Duration::from_secs(30 * 60);
/// How long the one-click opt-out link of a mail's List-Unsubscribe header works.
pub const OPT_OUT_TTL: Duration = Duration::from_secs(90 * 24 * 3600);
/// Unconfirmed registrations older than this are deleted.
pub const PURGE_AFTER: Duration = Duration::from_secs(7 * 24 * 3600);

/// What a link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    /// Confirms a new registration (double opt-in).
    Confirm,
    /// Opens the manage page.
    Manage,
    /// The short session a manage link opens (a cookie).
    Session,
    /// Opts out in one click (a mail's List-Unsubscribe, RFC 8058).
    OptOut,
}

impl TokenPurpose {
    fn as_str(self) -> &'static str {
        match self {
            TokenPurpose::Confirm => "confirm",
            TokenPurpose::Manage => "manage",
            TokenPurpose::Session => "session",
            TokenPurpose::OptOut => "optout",
        }
    }
}

const INSERT_REGISTRATION: &str = "INSERT INTO registrations
        (status, kind, language, contact_method, consent_version, consented_at, source,
         confirmed_at, verified_at, verification_due)
    VALUES ($1, $2, $3, $4, $5, now(), $6,
            CASE WHEN $1 = 'active' THEN now() END,
            CASE WHEN $1 = 'active' THEN now() END,
            CASE WHEN $1 = 'active' THEN (now() + interval '1 year')::date END)
    RETURNING id";
const INSERT_CONTACT: &str = "INSERT INTO contacts
        (registration_id, key_id, name_sealed, email_sealed, phone_sealed, business_name_sealed,
         email_hash)
    VALUES ($1, $2, $3, $4, $5, $6, $7)";
const UPDATE_CONTACT: &str = "UPDATE contacts SET key_id = $2, name_sealed = $3, email_sealed = $4,
        phone_sealed = $5, business_name_sealed = $6, email_hash = $7 WHERE registration_id = $1";
const INSERT_CAMERA: &str = "INSERT INTO cameras
        (registration_id, location, address, placement, views, facing_deg, retention_days,
         recording_mode, can_export, notes)
    VALUES ($1, ST_SetSRID(ST_MakePoint($2, $3), 4326), $4, $5, $6, $7, $8, $9, $10, $11)";
const UPDATE_REGISTRATION: &str = "UPDATE registrations
    SET kind = $2, language = $3, contact_method = $4 WHERE id = $1";
const DELETE_CAMERAS: &str = "DELETE FROM cameras WHERE registration_id = $1";
const INSERT_TOKEN: &str =
    "INSERT INTO owner_tokens (token_hash, registration_id, purpose, expires_at)
    VALUES ($1, $2, $3, now() + make_interval(secs => $4))";
const TAKE_TOKEN: &str = "UPDATE owner_tokens SET used_at = now()
    WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()
    RETURNING registration_id";
const PEEK_TOKEN: &str = "SELECT registration_id FROM owner_tokens
    WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()";
const SESSION_REGISTRATION: &str = "SELECT t.registration_id FROM owner_tokens t
    JOIN registrations r ON r.id = t.registration_id
    WHERE t.token_hash = $1 AND t.purpose = 'session' AND t.expires_at > now()
      AND r.status <> 'opted_out'";
const END_SESSIONS: &str = "DELETE FROM owner_tokens WHERE registration_id = $1";
const CONFIRM: &str = "UPDATE registrations
    SET status = 'active', confirmed_at = now(), verified_at = now(),
        verification_due = (now() + interval '1 year')::date
    WHERE id = $1 AND status IN ('pending', 'lapsed')";
const FIND_BY_EMAIL: &str =
    "SELECT r.id FROM contacts c JOIN registrations r ON r.id = c.registration_id
    WHERE c.email_hash = ANY($1) AND r.status <> 'opted_out' ORDER BY r.id LIMIT 1";
const REGISTERED_HASHES: &str = "SELECT DISTINCT c.email_hash FROM contacts c
    JOIN registrations r ON r.id = c.registration_id
    WHERE c.email_hash = ANY($1) AND r.status <> 'opted_out'";
const LOAD: &str = "SELECT r.status, r.kind, r.language, r.contact_method,
        c.key_id, c.name_sealed, c.email_sealed, c.phone_sealed, c.business_name_sealed
    FROM registrations r JOIN contacts c ON c.registration_id = r.id WHERE r.id = $1";
const ACTIVE_CONTACTS: &str = "SELECT r.id, r.language, r.contact_method,
        c.key_id, c.name_sealed, c.email_sealed, c.phone_sealed, c.business_name_sealed
    FROM registrations r JOIN contacts c ON c.registration_id = r.id
    WHERE r.id = ANY($1) AND r.status = 'active'";
const LOAD_CAMERAS: &str = "SELECT ST_X(location), ST_Y(location), address, placement, views,
        facing_deg, retention_days, recording_mode, can_export, notes
    FROM cameras WHERE registration_id = $1 ORDER BY id";
const LANGUAGE: &str = "SELECT language FROM registrations WHERE id = $1";
const SET_STATUS: &str = "UPDATE registrations SET status = $2 WHERE id = $1
    AND status IN ('active', 'paused')";
const OPT_OUT_CONTACT: &str = "DELETE FROM contacts WHERE registration_id = $1";
const OPT_OUT: &str = "UPDATE registrations SET status = 'opted_out', opted_out_at = now()
    WHERE id = $1 AND status <> 'opted_out'";
const PURGE: &str = "DELETE FROM registrations WHERE status = 'pending'
    AND created_at < now() - make_interval(secs => $1)";
const PURGE_TOKENS: &str = "DELETE FROM owner_tokens WHERE expires_at < now() - interval '1 day'";
const ANALYZE_REGISTRY: &str = "ANALYZE registrations, contacts, cameras, owner_tokens";
/// Session-level: held by the connection until released or closed.
const TRY_IMPORT_LOCK: &str =
    "SELECT pg_try_advisory_lock(hashtext('canvass.import.registrations'))";
const IMPORT_UNLOCK: &str = "SELECT pg_advisory_unlock(hashtext('canvass.import.registrations'))";

/// How a new registration enters the registry.
#[derive(Debug, Clone, Copy)]
pub struct Intake<'a> {
    /// Web, import, officer.
    pub source: Source,
    /// Version of the consent text the owner agreed to.
    pub consent_version: &'a str,
    /// `Active` only for entries the department already verified; otherwise `Pending`.
    pub status: RegistrationStatus,
}

/// Stores a registration with its contact (sealed) and cameras at `location`, and
/// returns its id and a confirmation link token (for a pending one).
pub async fn create(
    client: &mut Client,
    key: &ContactKey,
    registration: &NewRegistration,
    location: LonLat,
    intake: Intake<'_>,
) -> Result<(i64, Option<String>), DbError> {
    let tx = client
        .transaction()
        .await
        .map_err(DbError::pg("begin registration"))?;
    let sites = vec![(registration.address.as_str(), location); registration.cameras.len()];
    let created = insert(&tx, key, registration, &sites, intake).await?;
    tx.commit()
        .await
        .map_err(DbError::pg("commit registration"))?;
    Ok(created)
}

/// Where one camera is: the address as typed, and its position.
pub type Site<'a> = (&'a str, LonLat);

/// Stores a registration like [`create`], but inside the caller's transaction and with each
/// camera at its own site (`sites[i]` for `registration.cameras[i]`): a bulk import writes
/// hundreds of registrations per commit, and one owner's cameras listed on several rows of a
/// sheet may stand at different places.
pub async fn insert(
    client: &impl GenericClient,
    key: &ContactKey,
    registration: &NewRegistration,
    sites: &[Site<'_>],
    intake: Intake<'_>,
) -> Result<(i64, Option<String>), DbError> {
    if sites.len() != registration.cameras.len() {
        return Err(DbError::Invalid(format!(
            "{} cameras but {} sites",
            registration.cameras.len(),
            sites.len()
        )));
    }
    let id: i64 = client
        .query_one(
            INSERT_REGISTRATION,
            &[
                &intake.status.as_str(),
                &registration.kind.as_str(),
                &registration.language.as_str(),
                &registration.contact_method.as_str(),
                &intake.consent_version,
                &intake.source.as_str(),
            ],
        )
        .await
        .map_err(DbError::pg("insert registration"))?
        .get(0);
    write_contact(client, key, id, registration, INSERT_CONTACT).await?;
    write_cameras(client, id, &registration.cameras, sites).await?;
    let token = if intake.status == RegistrationStatus::Pending {
        Some(issue(client, id, TokenPurpose::Confirm, CONFIRM_TTL).await?)
    } else {
        None
    };
    Ok((id, token))
}

async fn write_contact(
    client: &impl GenericClient,
    key: &ContactKey,
    id: i64,
    r: &NewRegistration,
    statement: &str,
) -> Result<(), DbError> {
    let phone = r
        .phone
        .as_deref()
        .map(|p| key.seal(id, ContactField::Phone, p));
    let business = r
        .business_name
        .as_deref()
        .map(|b| key.seal(id, ContactField::BusinessName, b));
    client
        .execute(
            statement,
            &[
                &id,
                &key.id(),
                &key.seal(id, ContactField::Name, &r.name),
                &key.seal(id, ContactField::Email, &r.email),
                &phone,
                &business,
                &key.email_hash(&r.email),
            ],
        )
        .await
        .map_err(DbError::pg("write contact"))?;
    Ok(())
}

async fn write_cameras(
    client: &impl GenericClient,
    id: i64,
    cameras: &[NewCamera],
    sites: &[Site<'_>],
) -> Result<(), DbError> {
    for (camera, (address, at)) in cameras.iter().zip(sites) {
        let views: Vec<&str> = camera.views.iter().map(|v| v.as_str()).collect();
        let facing = camera.facing_deg.map(|f| f as f32);
        client
            .execute(
                INSERT_CAMERA,
                &[
                    &id,
                    &at.lon(),
                    &at.lat(),
                    address,
                    &camera.placement.as_str(),
                    &views,
                    &facing,
                    &camera.retention_days,
                    &camera.recording_mode.as_str(),
                    &camera.can_export.as_str(),
                    &camera.notes,
                ],
            )
            .await
            .map_err(DbError::pg("insert camera"))?;
    }
    Ok(())
}

/// A new link token for `registration` (only its hash is stored).
pub async fn issue(
    client: &impl GenericClient,
    registration: i64,
    purpose: TokenPurpose,
    ttl: Duration,
) -> Result<String, DbError> {
    let token = random_token();
    client
        .execute(
            INSERT_TOKEN,
            &[
                &token_hash(&token),
                &registration,
                &purpose.as_str(),
                &(ttl.as_secs_f64()),
            ],
        )
        .await
        .map_err(DbError::pg("issue owner link"))?;
    Ok(token)
}

/// Uses a link token once: the registration it was for, or `None` when unknown, used or expired.
pub async fn take(
    client: &impl GenericClient,
    token: &str,
    purpose: TokenPurpose,
) -> Result<Option<i64>, DbError> {
    Ok(client
        .query_opt(TAKE_TOKEN, &[&token_hash(token), &purpose.as_str()])
        .await
        .map_err(DbError::pg("use owner link"))?
        .map(|row| row.get(0)))
}

/// The registration a link token would act on, without using it (the page a GET shows).
pub async fn peek(
    client: &impl GenericClient,
    token: &str,
    purpose: TokenPurpose,
) -> Result<Option<i64>, DbError> {
    Ok(client
        .query_opt(PEEK_TOKEN, &[&token_hash(token), &purpose.as_str()])
        .await
        .map_err(DbError::pg("look up owner link"))?
        .map(|row| row.get(0)))
}

/// The registration of a live owner session.
pub async fn session_registration(
    client: &impl GenericClient,
    token: &str,
) -> Result<Option<i64>, DbError> {
    Ok(client
        .query_opt(SESSION_REGISTRATION, &[&token_hash(token)])
        .await
        .map_err(DbError::pg("look up owner session"))?
        .map(|row| row.get(0)))
}

/// Confirms a pending registration; `false` if it was not pending.
pub async fn confirm(client: &impl GenericClient, id: i64) -> Result<bool, DbError> {
    Ok(client
        .execute(CONFIRM, &[&id])
        .await
        .map_err(DbError::pg("confirm registration"))?
        == 1)
}

/// The registration (not opted out) whose owner uses `email`, under any key generation.
pub async fn find_by_email(
    client: &impl GenericClient,
    keys: &ContactKeyRing,
    email: &str,
) -> Result<Option<i64>, DbError> {
    Ok(client
        .query_opt(FIND_BY_EMAIL, &[&keys.email_hashes(email)])
        .await
        .map_err(DbError::pg("find registration by e-mail"))?
        .map(|row| row.get(0)))
}

/// E-mail addresses per query of [`registered_emails`].
const EMAILS_PER_QUERY: usize = 5000;

/// Which of `emails` (normalised) belong to a registration that is not opted out, under any
/// key generation: [`find_by_email`] for the thousands of addresses of a bulk import, a few
/// queries instead of one per address.
pub async fn registered_emails(
    client: &impl GenericClient,
    keys: &ContactKeyRing,
    emails: &[String],
) -> Result<HashSet<String>, DbError> {
    let mut found = HashSet::new();
    for chunk in emails.chunks(EMAILS_PER_QUERY) {
        let mut by_hash: HashMap<Vec<u8>, &String> = HashMap::new();
        for email in chunk {
            for hash in keys.email_hashes(email) {
                by_hash.insert(hash, email);
            }
        }
        let hashes: Vec<&Vec<u8>> = by_hash.keys().collect();
        let rows = client
            .query(REGISTERED_HASHES, &[&hashes])
            .await
            .map_err(DbError::pg("find registrations by e-mail"))?;
        for row in rows {
            let hash: Vec<u8> = row.get(0);
            if let Some(email) = by_hash.get(&hash) {
                found.insert((*email).clone());
            }
        }
    }
    Ok(found)
}

/// A registration as its owner sees it on the manage page.
#[derive(Debug, Clone)]
pub struct OwnedRegistration {
    /// Id.
    pub id: i64,
    /// Status.
    pub status: RegistrationStatus,
    /// The stored details, in the shape the form edits.
    pub details: NewRegistration,
    /// Where the cameras are ([`LonLat::ORIGIN`] when it has none, which the form never stores).
    pub location: LonLat,
}

/// Loads a registration and opens its contact details, for its owner.
pub async fn load(
    client: &impl GenericClient,
    keys: &ContactKeyRing,
    id: i64,
) -> Result<Option<OwnedRegistration>, DbError> {
    let Some(row) = client
        .query_opt(LOAD, &[&id])
        .await
        .map_err(DbError::pg("load registration"))?
    else {
        return Ok(None);
    };
    let contact = open_contact(keys, id, &row, 4)?;
    let bad = |what: &str| DbError::Invalid(format!("registration {id}: {what}"));
    let status: String = row.get(0);
    let kind: String = row.get(1);
    let language: String = row.get(2);
    let method: String = row.get(3);
    let mut cameras = Vec::new();
    let mut location = LonLat::ORIGIN;
    let mut address = String::new();
    for c in client
        .query(LOAD_CAMERAS, &[&id])
        .await
        .map_err(DbError::pg("load cameras"))?
    {
        location = lon_lat_of(&c, 0, "a camera")?;
        address = c.get(2);
        let placement: String = c.get(3);
        let views: Vec<String> = c.get(4);
        let recording: String = c.get(7);
        let export: String = c.get(8);
        cameras.push(NewCamera {
            placement: placement
                .parse::<Placement>()
                .map_err(|_| bad("placement"))?,
            views: views
                .iter()
                .map(|v| v.parse::<View>().map_err(|_| bad("view")))
                .collect::<Result<_, _>>()?,
            facing_deg: c.get::<_, Option<f32>>(5).map(f64::from),
            retention_days: c.get(6),
            recording_mode: recording
                .parse::<RecordingMode>()
                .map_err(|_| bad("recording"))?,
            can_export: export.parse::<CanExport>().map_err(|_| bad("export"))?,
            notes: c.get(9),
        });
    }
    let details = NewRegistration {
        name: contact.name,
        email: contact.email,
        phone: contact.phone,
        business_name: contact.business_name,
        language: language.parse::<Language>().map_err(|_| bad("language"))?,
        contact_method: method
            .parse::<ContactMethod>()
            .map_err(|_| bad("contact method"))?,
        kind: kind.parse::<Kind>().map_err(|_| bad("kind"))?,
        address,
        pin: None,
        cameras,
    };
    Ok(Some(OwnedRegistration {
        id,
        status: status.parse().map_err(|_| bad("status"))?,
        details,
        location,
    }))
}

/// What opens sealed contact fields: the ring itself, or a holder that can re-read its key
/// file when a value sealed under a newer generation turns up.
pub trait ContactOpener {
    /// Opens field `field` of registration `registration_id`, sealed under `key_id`.
    fn open_field(
        &self,
        key_id: &str,
        registration_id: i64,
        field: ContactField,
        sealed: &[u8],
    ) -> Result<String, SealError>;
}

impl ContactOpener for ContactKeyRing {
    fn open_field(
        &self,
        key_id: &str,
        registration_id: i64,
        field: ContactField,
        sealed: &[u8],
    ) -> Result<String, SealError> {
        self.open(key_id, registration_id, field, sealed)
    }
}

/// A contact's details, opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedContact {
    /// Name (empty when none was stored).
    pub name: String,
    /// E-mail address (empty when none was stored).
    pub email: String,
    /// Phone number.
    pub phone: Option<String>,
    /// Business name.
    pub business_name: Option<String>,
}

/// The one opener of sealed contact rows: `row` holds `key_id, name_sealed, email_sealed,
/// phone_sealed, business_name_sealed` from column `first` on.
pub(crate) fn open_contact(
    keys: &(impl ContactOpener + ?Sized),
    id: i64,
    row: &tokio_postgres::Row,
    first: usize,
) -> Result<OpenedContact, DbError> {
    let key_id: String = row.get(first);
    let open = |field, column: usize| -> Result<Option<String>, DbError> {
        row.get::<_, Option<Vec<u8>>>(column)
            .map(|sealed| {
                keys.open_field(&key_id, id, field, &sealed)
                    .map_err(|e| DbError::Seal(e.to_string()))
            })
            .transpose()
    };
    Ok(OpenedContact {
        name: open(ContactField::Name, first + 1)?.unwrap_or_default(),
        email: open(ContactField::Email, first + 2)?.unwrap_or_default(),
        phone: open(ContactField::Phone, first + 3)?,
        business_name: open(ContactField::BusinessName, first + 4)?,
    })
}

/// An active registration's contact, as disclosed to an officer for a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveContact {
    /// The opened details.
    pub contact: OpenedContact,
    /// The owner's language (`en`, `es`).
    pub language: String,
    /// How the owner prefers to be contacted.
    pub contact_method: String,
}

/// The contact of registration `id` when it is active; `None` when it is unknown, not active
/// or opted out. Call it on the transaction that audits the disclosure.
pub async fn active_contact(
    client: &impl GenericClient,
    keys: &(impl ContactOpener + ?Sized),
    id: i64,
) -> Result<Option<ActiveContact>, DbError> {
    Ok(active_contacts(client, keys, &[id]).await?.remove(&id))
}

/// [`active_contact`] for many registrations at once (the owners of a canvass's cameras): the
/// contacts of those of `ids` that are active, by registration id. Call it on the transaction
/// that audits the disclosure.
pub async fn active_contacts(
    client: &impl GenericClient,
    keys: &(impl ContactOpener + ?Sized),
    ids: &[i64],
) -> Result<HashMap<i64, ActiveContact>, DbError> {
    let rows = client
        .query(ACTIVE_CONTACTS, &[&ids])
        .await
        .map_err(DbError::pg("read active contacts"))?;
    let mut contacts = HashMap::with_capacity(rows.len());
    for row in rows {
        let id: i64 = row.get(0);
        let contact = ActiveContact {
            contact: open_contact(keys, id, &row, 3)?,
            language: row.get(1),
            contact_method: row.get(2),
        };
        contacts.insert(id, contact);
    }
    Ok(contacts)
}

/// Replaces an owner's details and cameras (at `location`) in one transaction.
pub async fn update(
    client: &mut Client,
    key: &ContactKey,
    id: i64,
    registration: &NewRegistration,
    location: LonLat,
) -> Result<(), DbError> {
    let tx = client
        .transaction()
        .await
        .map_err(DbError::pg("begin update"))?;
    tx.execute(
        UPDATE_REGISTRATION,
        &[
            &id,
            &registration.kind.as_str(),
            &registration.language.as_str(),
            &registration.contact_method.as_str(),
        ],
    )
    .await
    .map_err(DbError::pg("update registration"))?;
    write_contact(&tx, key, id, registration, UPDATE_CONTACT).await?;
    tx.execute(DELETE_CAMERAS, &[&id])
        .await
        .map_err(DbError::pg("replace cameras"))?;
    let sites = vec![(registration.address.as_str(), location); registration.cameras.len()];
    write_cameras(&tx, id, &registration.cameras, &sites).await?;
    tx.commit().await.map_err(DbError::pg("commit update"))?;
    Ok(())
}

/// Pauses (hidden from maps and feeds) or resumes an active registration.
pub async fn set_paused(
    client: &impl GenericClient,
    id: i64,
    paused: bool,
) -> Result<bool, DbError> {
    let status = if paused { "paused" } else { "active" };
    Ok(client
        .execute(SET_STATUS, &[&id, &status])
        .await
        .map_err(DbError::pg("pause registration"))?
        == 1)
}

/// Opts out, in the caller's transaction: deletes the contact, the cameras (the triggers leave
/// a tombstone per camera in `changes`), every link and every mail still waiting for the
/// owner, and marks the registration opted out. Returns the owner's e-mail and language for
/// the receipt, read before deletion; `None` when it was already opted out or is unknown.
pub async fn opt_out(
    tx: &impl GenericClient,
    keys: &ContactKeyRing,
    id: i64,
) -> Result<Option<(String, Language)>, DbError> {
    let receipt = load(tx, keys, id)
        .await?
        .map(|r| (r.details.email, r.details.language));
    tx.execute(DELETE_CAMERAS, &[&id])
        .await
        .map_err(DbError::pg("delete cameras"))?;
    tx.execute(OPT_OUT_CONTACT, &[&id])
        .await
        .map_err(DbError::pg("delete contact"))?;
    tx.execute(END_SESSIONS, &[&id])
        .await
        .map_err(DbError::pg("end owner links"))?;
    crate::outbox::cancel_pending(tx, id).await?;
    let changed = tx
        .execute(OPT_OUT, &[&id])
        .await
        .map_err(DbError::pg("opt out"))?;
    Ok(receipt.filter(|_| changed == 1))
}

/// Deletes registrations never confirmed within [`PURGE_AFTER`], and long-expired links.
pub async fn purge_unconfirmed(client: &impl GenericClient) -> Result<u64, DbError> {
    let purged = client
        .execute(PURGE, &[&PURGE_AFTER.as_secs_f64()])
        .await
        .map_err(DbError::pg("purge unconfirmed registrations"))?;
    client
        .execute(PURGE_TOKENS, &[])
        .await
        .map_err(DbError::pg("purge expired links"))?;
    Ok(purged)
}

/// Takes the bulk-import lock on this connection; `false` when another import holds it. Two
/// imports of one file at once would each find the owners absent and both register them.
pub async fn try_lock_import(client: &impl GenericClient) -> Result<bool, DbError> {
    Ok(client
        .query_one(TRY_IMPORT_LOCK, &[])
        .await
        .map_err(DbError::pg("take the import lock"))?
        .get(0))
}

/// Releases the lock of [`try_lock_import`].
pub async fn unlock_import(client: &impl GenericClient) -> Result<(), DbError> {
    client
        .execute(IMPORT_UNLOCK, &[])
        .await
        .map_err(DbError::pg("release the import lock"))?;
    Ok(())
}

/// Refreshes the planner's statistics of the registry tables. A bulk import into a small
/// registry needs it now and then: the foreign-key checks of every insert are planned once per
/// connection, and a plan made while `registrations` was nearly empty scans the whole table,
/// which makes each insert slower than the one before. New statistics make PostgreSQL plan
/// them again.
pub async fn refresh_statistics(client: &impl GenericClient) -> Result<(), DbError> {
    client
        .batch_execute(ANALYZE_REGISTRY)
        .await
        .map_err(DbError::pg("analyze the registry"))
}

/// The language an owner chose, for the mails sent to them (nothing sealed is opened).
pub async fn language(client: &impl GenericClient, id: i64) -> Result<Option<Language>, DbError> {
    let Some(row) = client
        .query_opt(LANGUAGE, &[&id])
        .await
        .map_err(DbError::pg("read registration language"))?
    else {
        return Ok(None);
    };
    let text: String = row.get(0);
    text.parse()
        .map(Some)
        .map_err(|_| DbError::Invalid(format!("registration {id}: language {text:?}")))
}
