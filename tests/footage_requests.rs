//! Footage requests through the real binary, a real PostGIS and a real SMTP server (aiosmtpd):
//! an officer without pii asks the owners of chosen cameras of a canvass to preserve or hand
//! over a recording; each owner gets one message, in their language, naming no other owner;
//! who was asked and whether each mail went out is stored and audited; bad requests are
//! refused naming the field. The owner's manage page then says they were asked, and that
//! their contact was disclosed when it was — without the case — unless the department hides
//! it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::time::Duration;

use canvass_db::registrations::{self, TokenPurpose};
use canvass_db::testing::TestDatabase;
use canvass_e2e::{Server, SmtpServer, create_named_key_async};
use chrono::{SecondsFormat, TimeDelta, Utc};
use serde_json::{Value, json};

const CASE: &str = "26-004211";

async fn post(url: &str, key: &str, content_type: &str, body: String) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(url)
        .bearer_auth(key)
        .header("content-type", content_type)
        .body(body)
        .timeout(Duration::from_secs(60))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let value = serde_json::from_str(&text).unwrap_or_else(|_| json!({ "text": text }));
    (status, value)
}

/// The owner's manage page, opened with a fresh link as the owner would.
async fn manage_page(server: &Server, db: &TestDatabase, registration: i64, lang: &str) -> String {
    let client = db.connect().await.unwrap();
    let token = registrations::issue(
        &client,
        registration,
        TokenPurpose::Manage,
        registrations::MANAGE_TTL,
    )
    .await
    .unwrap();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let opened = http
        .get(format!("{}/manage/{token}?lang={lang}", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(opened.status().as_u16(), 303);
    let cookie = opened.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let page = http
        .get(format!("{}/manage/entry?lang={lang}", server.base))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 200);
    page.text().await.unwrap()
}

fn recipient(message: &str) -> String {
    message
        .lines()
        .find_map(|l| l.strip_prefix("To: "))
        .unwrap_or_else(|| panic!("no To: in {message}"))
        .trim()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn owners_are_asked_one_mail_each_and_see_it_on_their_page() {
    let db = TestDatabase::new().await.unwrap();
    let work = tempfile::tempdir().unwrap();
    let smtp = SmtpServer::start(work.path().join("maildir"));
    let (url, data, smtp_url) = (
        db.url.clone(),
        work.path().join("data").to_str().unwrap().to_owned(),
        smtp.url(),
    );
    let server = tokio::task::spawn_blocking(move || {
        let server = Server::start(&[
            "--database-url",
            &url,
            "--data-dir",
            &data,
            "--demo",
            "--demo-cameras",
            "2000",
            "--smtp-url",
            &smtp_url,
        ]);
        server.wait_ready();
        server
    })
    .await
    .unwrap();
    let officer = create_named_key_async(&db.url, "patrol", "officer", false).await;
    let detective = create_named_key_async(&db.url, "detective", "officer", true).await;
    let client = db.connect().await.unwrap();

    // A canvass around the camera with the most neighbours of other owners.
    let row = client
        .query_one(
            "SELECT ST_X(c.location), ST_Y(c.location) FROM cameras c
               JOIN registrations r ON r.id = c.registration_id
              WHERE r.status = 'active' ORDER BY c.id LIMIT 1 OFFSET 500",
            &[],
        )
        .await
        .unwrap();
    let (lon, lat): (f64, f64) = (row.get(0), row.get(1));
    let incident = (Utc::now() - TimeDelta::hours(3)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let (status, canvass) = post(
        &format!("{}/api/v1/canvasses", server.base),
        &officer,
        "application/json",
        json!({
            "case_number": CASE, "reason": "burglary", "incident_time": incident,
            "incident": {"type": "Point", "coordinates": [lon, lat]},
            "area": {"radius_m": 400},
        })
        .to_string(),
    )
    .await;
    assert_eq!(status, 201, "{canvass}");
    let canvass_id = canvass["id"].as_i64().unwrap();
    let cameras: Vec<i64> = canvass["cameras"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["camera_id"].as_i64().unwrap())
        .collect();
    assert!(cameras.len() >= 8, "{} cameras", cameras.len());
    let chosen: Vec<i64> = cameras.iter().copied().take(8).collect();
    let owners_of = |ids: &[i64]| {
        let ids = ids.to_vec();
        let client = &client;
        async move {
            client
                .query(
                    "SELECT DISTINCT registration_id FROM cameras WHERE id = ANY($1) ORDER BY 1",
                    &[&ids],
                )
                .await
                .unwrap()
                .iter()
                .map(|r| r.get::<_, i64>(0))
                .collect::<Vec<i64>>()
        }
    };
    let owners = owners_of(&chosen).await;
    assert!(owners.len() >= 2, "several owners: {owners:?}");
    // One owner writes in Spanish, the others in English.
    client
        .execute(
            "UPDATE registrations SET language = CASE WHEN id = $1 THEN 'es' ELSE 'en' END
              WHERE id = ANY($2)",
            &[&owners[0], &owners],
        )
        .await
        .unwrap();

    let requests = format!("{}/api/v1/canvasses/{canvass_id}/requests", server.base);
    let window_start =
        (Utc::now() - TimeDelta::hours(4)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let window_end = (Utc::now() - TimeDelta::hours(2)).to_rfc3339_opts(SecondsFormat::Secs, true);

    // A preservation request, by an officer who may not see contacts.
    let (status, answer) = post(
        &requests,
        &officer,
        "application/json",
        json!({"kind": "preservation", "camera_ids": chosen, "window_start": window_start,
               "window_end": window_end})
        .to_string(),
    )
    .await;
    assert_eq!(status, 201, "{answer}");
    let asked: Vec<i64> = answer["owners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["registration_id"].as_i64().unwrap())
        .collect();
    assert_eq!(asked, owners);
    assert!(
        answer["owners"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["queued"] == true),
        "{answer}"
    );
    let text = answer.to_string();
    assert!(
        !text.contains('@'),
        "no e-mail address reaches the officer: {text}"
    );
    let named: BTreeSet<i64> = answer["owners"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|o| {
            o["camera_ids"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_i64().unwrap())
        })
        .collect();
    assert_eq!(named, chosen.iter().copied().collect::<BTreeSet<_>>());

    let messages = smtp.wait_for(owners.len());
    assert_eq!(messages.len(), owners.len(), "one mail per owner");
    let recipients: BTreeSet<String> = messages.iter().map(|m| recipient(m)).collect();
    assert_eq!(
        recipients.len(),
        owners.len(),
        "every owner their own mail: {recipients:?}"
    );
    for message in &messages {
        let header =
            |name: &str| -> Vec<&str> { message.lines().filter(|l| l.starts_with(name)).collect() };
        assert_eq!(header("To: ").len(), 1, "{message}");
        // What the SMTP server was asked to deliver to: this owner alone.
        let envelope = header("X-RcptTo: ");
        assert!(
            envelope.len() == 1 && !envelope[0].contains(','),
            "{message}"
        );
        assert!(
            !message.contains("Cc:") && !message.contains("Bcc:"),
            "{message}"
        );
        assert!(
            !message.contains(CASE),
            "a preservation request names no case: {message}"
        );
        assert!(message.contains("(925) 555-0100"), "{message}");
    }
    let spanish = messages
        .iter()
        .filter(|m| m.contains("Por favor guarde"))
        .count();
    assert_eq!(
        spanish, 1,
        "the Spanish-speaking owner is written to in Spanish"
    );

    // A footage request names the case, the officer and the number to call.
    let (status, answer) = post(
        &requests,
        &officer,
        "application/json",
        json!({"kind": "footage", "camera_ids": [chosen[0]], "window_start": window_start,
               "window_end": window_end, "officer_name": "Ofc. R. Diaz",
               "callback_phone": "(925) 555-0142"})
        .to_string(),
    )
    .await;
    assert_eq!(status, 201, "{answer}");
    let messages = smtp.wait_for(owners.len() + 1);
    let footage: Vec<&String> = messages
        .iter()
        .filter(|m| m.contains("Ofc. R. Diaz"))
        .collect();
    assert_eq!(footage.len(), 1);
    assert!(footage[0].contains(CASE) && footage[0].contains("(925) 555-0142"));

    // Stored and audited: who asked, whom, and the outcome of each mail (recorded by the
    // outbox sender in the transaction that settles the message, a moment after the SMTP
    // server took it).
    let mut stored: i64 = 0;
    for _ in 0..100 {
        stored = client
            .query_one(
                "SELECT count(*) FROM footage_request_owners o JOIN footage_requests f ON f.id = o.request_id
                  WHERE f.canvass_id = $1 AND o.sent_at IS NOT NULL",
                &[&canvass_id],
            )
            .await
            .unwrap()
            .get(0);
        if stored as usize == owners.len() + 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(stored as usize, owners.len() + 1);
    let audited = client
        .query(
            "SELECT record_ids, case_number, actor_name FROM audit_log
              WHERE action = 'canvass.request' ORDER BY seq",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(audited.len(), 2);
    assert_eq!(audited[0].get::<_, Vec<i64>>(0), owners);
    assert_eq!(
        audited[0].get::<_, Option<String>>(1).as_deref(),
        Some(CASE)
    );
    assert_eq!(
        audited[0].get::<_, Option<String>>(2).as_deref(),
        Some("patrol")
    );

    // Listed for the case's officers: who asked, when, and each owner's mail.
    let listed: Value = serde_json::from_str(
        &reqwest::Client::new()
            .get(&requests)
            .bearer_auth(&officer)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    )
    .unwrap();
    let listed = listed["requests"].as_array().unwrap();
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert_eq!(listed[0]["kind"], "preservation");
    assert_eq!(listed[0]["requested_by"], "patrol");
    assert_eq!(listed[0]["owners"].as_array().unwrap().len(), owners.len());
    assert!(listed[0]["owners"][0]["sent_at"].is_string(), "{listed:?}");
    assert_eq!(listed[1]["officer_name"], "Ofc. R. Diaz");
    assert!(!serde_json::to_string(listed).unwrap().contains('@'));

    // Refusals name the field; nothing is stored or sent.
    let other_canvass_camera: i64 = client
        .query_one(
            "SELECT c.id FROM cameras c WHERE c.id <> ALL($1) ORDER BY c.id DESC LIMIT 1",
            &[&cameras],
        )
        .await
        .unwrap()
        .get(0);
    let body = |kind: &str, ids: Value, extra: Value| {
        let mut b = json!({"kind": kind, "camera_ids": ids, "window_start": window_start,
                           "window_end": window_end});
        b.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        b.to_string()
    };
    let cases: Vec<(String, &str, String, u16, &str)> = vec![
        (
            requests.clone(),
            "application/json",
            body("seize", json!([chosen[0]]), json!({})),
            400,
            "kind",
        ),
        (
            requests.clone(),
            "application/json",
            body("footage", json!([chosen[0]]), json!({})),
            400,
            "officer_name",
        ),
        (
            requests.clone(),
            "application/json",
            body("preservation", json!([]), json!({})),
            400,
            "camera_ids",
        ),
        (
            requests.clone(),
            "application/json",
            body("preservation", json!([other_canvass_camera]), json!({})),
            400,
            "not in canvass",
        ),
        (
            requests.clone(),
            "application/json",
            body(
                "preservation",
                json!([chosen[0]]),
                json!({"bcc": "x@example.org"}),
            ),
            400,
            "bcc",
        ),
        (
            requests.clone(),
            "text/plain",
            body("preservation", json!([chosen[0]]), json!({})),
            415,
            "JSON",
        ),
        (
            requests.clone(),
            "application/json",
            "{\"kind\":".into(),
            400,
            "JSON",
        ),
        (
            requests.clone(),
            "application/json",
            format!("{{\"kind\": \"{}\"}}", "x".repeat(200_000)),
            413,
            "larger",
        ),
        (
            format!("{}/api/v1/canvasses/999999/requests", server.base),
            "application/json",
            body("preservation", json!([chosen[0]]), json!({})),
            404,
            "999999",
        ),
        (
            format!("{}/api/v1/canvasses/abc/requests", server.base),
            "application/json",
            body("preservation", json!([chosen[0]]), json!({})),
            400,
            "canvass id",
        ),
    ];
    for (url, content_type, body, status, says) in cases {
        let (got, answer) = post(&url, &officer, content_type, body).await;
        assert_eq!(got, status, "{url}: {answer}");
        assert!(answer.to_string().contains(says), "{says}: {answer}");
    }
    assert_eq!(
        smtp.messages().len(),
        owners.len() + 1,
        "no mail from a refused request"
    );
    let requests_stored: i64 = client
        .query_one("SELECT count(*) FROM footage_requests", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(requests_stored, 2);

    // The owner's page: asked today, and — once a detective opened the canvass's contacts —
    // disclosed today; never the case number.
    let today = Utc::now().date_naive().format("%Y-%m-%d").to_string();
    let first = owners[1];
    let page = manage_page(&server, &db, first, "en").await;
    assert!(page.contains("Use of your entry"), "{page}");
    assert!(
        page.contains(&format!("{today}: you were asked by e-mail")),
        "{page}"
    );
    assert!(
        !page.contains("were given to an officer"),
        "not disclosed yet: {page}"
    );
    assert!(!page.contains(CASE));
    let (status, _) = {
        let response = reqwest::Client::new()
            .get(format!("{}/api/v1/canvasses/{canvass_id}", server.base))
            .bearer_auth(&detective)
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    };
    assert_eq!(status, 200);
    let page = manage_page(&server, &db, first, "es").await;
    assert!(page.contains("Uso de su registro"), "{page}");
    assert!(
        page.contains(&format!("{today}: sus datos de contacto se entregaron")),
        "{page}"
    );
    assert!(!page.contains(CASE));
    // An owner nobody asked or disclosed is told so.
    let untouched: i64 = client
        .query_one(
            "SELECT r.id FROM registrations r WHERE r.status = 'active'
                AND r.id <> ALL($1) ORDER BY r.id DESC LIMIT 1",
            &[&owners],
        )
        .await
        .unwrap()
        .get(0);
    let page = manage_page(&server, &db, untouched, "en").await;
    assert!(
        page.contains("Nobody has been given your contact details"),
        "{page}"
    );
    drop(server);

    // A department that hides these notices shows none.
    let (url, data) = (
        db.url.clone(),
        work.path().join("data").to_str().unwrap().to_owned(),
    );
    let quiet = tokio::task::spawn_blocking(move || {
        let server = Server::start(&[
            "--database-url",
            &url,
            "--data-dir",
            &data,
            "--hide-owner-notices",
        ]);
        server.wait_ready();
        server
    })
    .await
    .unwrap();
    let page = manage_page(&quiet, &db, first, "en").await;
    assert!(
        !page.contains("Use of your entry") && !page.contains("you were asked"),
        "{page}"
    );
}
