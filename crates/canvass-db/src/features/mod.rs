//! The SQL executor of the feature-query core: a [`FeatureQuery`] of `canvass-feeds` answered
//! over the active cameras, a page at a time with a keyset cursor ([`page`]) or all of it as a
//! stream in constant memory ([`for_each`], for exports).
//!
//! The rows and values are those of the tile index's query (`camera_points`): the same SELECT,
//! extended for `camera_contacts` by the camera's address, the registration's language and
//! contact method, and the owner's contact opened from its seal by the one opener
//! (`registrations::open_contact`). The filter tree becomes a WHERE clause over an allow-list
//! of column expressions (`translate`); no caller text reaches the SQL.
//!
//! Order: the sort keys, then the camera id, as `canvass_feeds::compare` defines it: ascending
//! puts nulls last and descending puts them first (PostgreSQL's defaults, written out in the
//! SQL), and text sorts by code point. Filters mean what `Filter::matches` says they mean; the
//! tests hold the two executors to that on random trees.
//!
//! Transactions:
//! - Without a [`Disclosure`] (the `cameras` collection): REPEATABLE READ READ ONLY, so a page
//!   and its count come from one snapshot.
//! - With one: READ COMMITTED, the audit row written in the same transaction as the read, so
//!   that nothing is returned unless it is recorded. Not REPEATABLE READ: the audit chain's
//!   trigger reads the newest audit row after taking its lock, and a snapshot taken before that
//!   lock could miss a row committed meanwhile and break the chain. The page and its count are
//!   then two statements, which a concurrent change can make disagree by that change.

mod translate;

#[cfg(test)]
mod tests;

use std::fmt;
use std::pin::pin;

use canvass_feeds::query::MAX_LIMIT;
use canvass_feeds::{CameraFeature, Collection, ContactFields, Cursor, FeatureQuery, Page};
use canvass_model::{ContactMethod, Language};
use futures_util::TryStreamExt;
use tokio_postgres::{Client, IsolationLevel, Row, Transaction};

use crate::DbError;
use crate::audit::{self, Event};
use crate::camera_points::{CameraPoint, active_cameras, point, snapshot};
use crate::registrations::{ContactOpener, open_contact};

const CAMERAS: &str = active_cameras!("");
const CONTACTS: &str = active_cameras!(
    ", r.id, c.address, r.language, r.contact_method, \
     k.key_id, k.name_sealed, k.email_sealed, k.phone_sealed, k.business_name_sealed",
    " JOIN contacts k ON k.registration_id = r.id",
    ""
);
/// The first column of a `CONTACTS` row after the point's.
const CONTACT_COLUMNS: usize = 14;

/// Whom an answer is disclosed to and why: the audit row written with the read. Required for
/// `camera_contacts` (with the contact keys); optional for `cameras`, where it records an
/// export or a feed that must be accounted for.
#[derive(Clone)]
pub struct Disclosure<'a> {
    /// The event to record: actor, action, case number, reason, client address, user agent,
    /// and details (a JSON object, to which the executor adds `collection` and `returned`).
    /// Its record ids are the executor's: the cameras whose contacts were disclosed (none for
    /// `cameras`, which discloses no personal data).
    pub event: Event,
    /// Opens the sealed contacts; needed for `camera_contacts`.
    pub opener: Option<&'a (dyn ContactOpener + Sync)>,
}

impl fmt::Debug for Disclosure<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Disclosure")
            .field("event", &self.event)
            .field("opener", &self.opener.map(|_| "…"))
            .finish()
    }
}

impl Disclosure<'_> {
    /// The audit row of an answer that returned `returned` features of `collection` and
    /// disclosed the contacts of `disclosed`.
    fn audit(&self, collection: Collection, disclosed: Vec<i64>, returned: u64) -> Event {
        let mut details = match &self.event.details {
            serde_json::Value::Object(map) => map.clone(),
            serde_json::Value::Null => serde_json::Map::new(),
            other => serde_json::Map::from_iter([("details".to_owned(), other.clone())]),
        };
        details.insert("collection".into(), collection.id().into());
        details.insert("returned".into(), returned.into());
        Event {
            record_ids: disclosed,
            details: serde_json::Value::Object(details),
            ..self.event.clone()
        }
    }
}

/// How rows become features: cameras alone, or with their contacts opened.
#[derive(Clone, Copy)]
enum Reader<'a> {
    Cameras,
    Contacts(&'a (dyn ContactOpener + Sync)),
}

impl<'a> Reader<'a> {
    fn new(
        collection: Collection,
        disclosure: Option<&Disclosure<'a>>,
    ) -> Result<Reader<'a>, DbError> {
        match collection {
            Collection::Cameras => Ok(Reader::Cameras),
            Collection::CameraContacts => disclosure
                .and_then(|d| d.opener)
                .map(Reader::Contacts)
                .ok_or(DbError::DisclosureRequired),
        }
    }

    fn feature(self, row: &Row) -> Result<CameraFeature, DbError> {
        let contact = match self {
            Reader::Cameras => None,
            Reader::Contacts(opener) => Some(contact(opener, row)?),
        };
        Ok(feature(point(row)?, contact))
    }
}

fn base(collection: Collection) -> &'static str {
    match collection {
        Collection::Cameras => CAMERAS,
        Collection::CameraContacts => CONTACTS,
    }
}

/// One page of `query` after `after` (from the start without it): at most `query.limit`
/// features (all up to [`MAX_LIMIT`] without one), the cursor of the next page when more
/// remain, and with `count` how many match in all. `camera_contacts` needs a `disclosure`;
/// with one, the page is audited in its transaction.
pub async fn page(
    client: &mut Client,
    query: &FeatureQuery,
    after: Option<&Cursor>,
    count: bool,
    disclosure: Option<&Disclosure<'_>>,
) -> Result<Page, DbError> {
    let reader = Reader::new(query.collection, disclosure)?;
    let limit = query.limit.unwrap_or(MAX_LIMIT).clamp(1, MAX_LIMIT);
    // One more row than asked says whether more remain.
    let rows = translate::select(
        base(query.collection),
        query,
        after,
        Some(u64::from(limit) + 1),
    )?;
    let counting = count
        .then(|| translate::count(base(query.collection), query))
        .transpose()?;
    let tx = begin(client, disclosure.is_some()).await?;
    let found = tx
        .query(rows.text(), &rows.params())
        .await
        .map_err(DbError::pg("read a page of features"))?;
    let more = found.len() > limit as usize;
    let features = found
        .iter()
        .take(limit as usize)
        .map(|row| reader.feature(row))
        .collect::<Result<Vec<_>, _>>()?;
    let number_matched = match counting {
        Some(statement) => Some(count_in(&tx, &statement).await?),
        None => None,
    };
    if let Some(disclosure) = disclosure {
        let disclosed = match reader {
            Reader::Contacts(_) => features.iter().map(|f| f.id).collect(),
            Reader::Cameras => Vec::new(),
        };
        let returned = features.len() as u64;
        audit::record(
            &tx,
            &disclosure.audit(query.collection, disclosed, returned),
        )
        .await?;
    }
    tx.commit()
        .await
        .map_err(DbError::pg("end a page of features"))?;
    let next = match features.last() {
        Some(last) if more => Some(Cursor::of(last, &query.sort)),
        _ => None,
    };
    Ok(Page {
        features,
        number_matched,
        next,
    })
}

/// Streams every feature of `query` (up to `query.limit` when it has one) in its order into
/// `each`, in constant memory but for the ids of disclosed contacts, which the audit row lists;
/// returns how many. An error from `each` stops the read and rolls it back (no audit row);
/// with a `disclosure` the audit row is written after the last feature, in the same
/// transaction. `camera_contacts` needs a `disclosure`.
pub async fn for_each<E: From<DbError>>(
    client: &mut Client,
    query: &FeatureQuery,
    disclosure: Option<&Disclosure<'_>>,
    mut each: impl FnMut(CameraFeature) -> Result<(), E>,
) -> Result<u64, E> {
    let reader = Reader::new(query.collection, disclosure)?;
    let statement = translate::select(
        base(query.collection),
        query,
        None,
        query.limit.map(u64::from),
    )
    .map_err(DbError::from)?;
    let tx = begin(client, disclosure.is_some()).await?;
    let rows = tx
        .query_raw(statement.text(), statement.params())
        .await
        .map_err(DbError::pg("read features"))?;
    let mut rows = pin!(rows);
    let mut disclosed = Vec::new();
    let mut returned = 0u64;
    while let Some(row) = rows
        .try_next()
        .await
        .map_err(DbError::pg("read features"))?
    {
        let feature = reader.feature(&row)?;
        if let Reader::Contacts(_) = reader {
            disclosed.push(feature.id);
        }
        returned += 1;
        each(feature)?;
    }
    if let Some(disclosure) = disclosure {
        audit::record(
            &tx,
            &disclosure.audit(query.collection, disclosed, returned),
        )
        .await?;
    }
    tx.commit()
        .await
        .map_err(DbError::pg("end a feature read"))?;
    Ok(returned)
}

/// How many features match `query` (its cursor and limit aside). Counting discloses nothing
/// personal, so no disclosure is needed, for either collection.
pub async fn count(client: &mut Client, query: &FeatureQuery) -> Result<u64, DbError> {
    let statement = translate::count(base(query.collection), query)?;
    let tx = snapshot(client).await?;
    let n = count_in(&tx, &statement).await?;
    tx.commit()
        .await
        .map_err(DbError::pg("end a feature count"))?;
    Ok(n)
}

async fn begin(client: &mut Client, audited: bool) -> Result<Transaction<'_>, DbError> {
    if !audited {
        return snapshot(client).await;
    }
    client
        .build_transaction()
        .isolation_level(IsolationLevel::ReadCommitted)
        .start()
        .await
        .map_err(DbError::pg("begin an audited feature read"))
}

async fn count_in(tx: &Transaction<'_>, statement: &translate::Statement) -> Result<u64, DbError> {
    let n: i64 = tx
        .query_one(statement.text(), &statement.params())
        .await
        .map_err(DbError::pg("count features"))?
        .get(0);
    Ok(n.max(0) as u64)
}

fn feature(p: CameraPoint, contact: Option<ContactFields>) -> CameraFeature {
    CameraFeature {
        id: p.id,
        at: p.at,
        placement: p.placement,
        views: p.views,
        facing_deg: p.facing_deg,
        fov_deg: p.fov_deg,
        range_m: p.range_m,
        retention_days: p.retention_days,
        recording_mode: p.recording_mode,
        can_export: p.can_export,
        kind: p.kind,
        verified_on: p.verified_on,
        updated_at: p.updated_at,
        contact,
    }
}

fn contact(opener: &(dyn ContactOpener + Sync), row: &Row) -> Result<ContactFields, DbError> {
    let read = DbError::pg("read a camera contact");
    let registration: i64 = row.try_get(CONTACT_COLUMNS).map_err(read)?;
    let bad = |what: &str, value: &str| {
        DbError::Invalid(format!("registration {registration}: {what} {value:?}"))
    };
    let text = |i: usize| -> Result<String, DbError> {
        row.try_get(CONTACT_COLUMNS + i)
            .map_err(DbError::pg("read a camera contact"))
    };
    let (address, language, method) = (text(1)?, text(2)?, text(3)?);
    let opened = open_contact(opener, registration, row, CONTACT_COLUMNS + 4)?;
    Ok(ContactFields {
        address,
        language: language
            .parse::<Language>()
            .map_err(|_| bad("language", &language))?,
        contact_method: method
            .parse::<ContactMethod>()
            .map_err(|_| bad("contact method", &method))?,
        owner_name: opened.name,
        email: opened.email,
        phone: opened.phone,
        business_name: opened.business_name,
    })
}
