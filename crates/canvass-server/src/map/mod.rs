//! The officer map, `/map`: an in-car laptop's page (1366×768, touch) over MapLibre GL JS, the
//! camera vector tiles and the street basemap. Drop the incident, see the cameras a canvass
//! would list (`POST /api/v1/canvasses/preview`), type the case number to run the canvass
//! (`POST /api/v1/canvasses`) and, with `pii`, see whom to call; mark each camera's outcome,
//! download the CSV, print the sheet, send footage requests. See docs/canvass.md.
//!
//! The page is a small server-rendered shell; `map.js` and `map.css` are served from the
//! binary with an ETag. Everything else it reads goes through the documented JSON API, so the
//! map holds no rule of its own about who sees what.

mod assets;

use std::sync::Arc;

use axum::extract::{FromRef, State};
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use canvass_db::Database;
use canvass_db::audit::Actor;
use canvass_db::places;
use canvass_model::Permission;
use canvass_model::canvass::{
    DEFAULT_BUFFER_M, DEFAULT_RADIUS_M, DEFAULT_WALKING_KMH, MAX_BUFFER_M, MAX_RADIUS_M,
    MAX_SPEED_KMH, MIN_BUFFER_M, MIN_RADIUS_M, MIN_SPEED_KMH,
};

use crate::http::page::escape;
use crate::http::{Access, Principal, Routes};
use crate::public::PublicSettings;

pub(crate) use assets::{MAP_CSS, MAP_JS};

/// What the map page needs of the application's state.
#[derive(Debug, Clone)]
pub(crate) struct MapState {
    /// Where the map opens (the jurisdiction).
    pub db: Arc<Database>,
    /// The department's name and clock, and whether the map library is installed.
    pub public: Arc<PublicSettings>,
}

/// The map's routes. The page needs the Canvass permission: it exists to run canvasses. Its
/// script and stylesheet hold no data and are public, so that they cache like any file.
pub(crate) fn routes<S>() -> Routes<S>
where
    S: Clone + Send + Sync + 'static,
    MapState: FromRef<S>,
{
    Routes::default()
        .route("/map", Access::Requires(Permission::Canvass), get(page))
        .route(MAP_JS.path, Access::Public, get(assets::script))
        .route(MAP_CSS.path, Access::Public, get(assets::stylesheet))
}

/// `GET /map`.
async fn page(State(state): State<MapState>, principal: Principal) -> Response {
    let centre = match state.public.maplibre {
        Some(_) => {
            let found = async {
                let client = state.db.client().await?;
                places::jurisdiction_centre(&**client).await
            }
            .await;
            // Without a centre the map still works from the address search: log and go on.
            found.unwrap_or_else(|error| {
                tracing::warn!(%error, "cannot find where the officer map opens");
                None
            })
        }
        None => None,
    };
    let name = match &principal.actor {
        Actor::User(_, name) | Actor::ApiKey(_, name) | Actor::System(name) => name.as_str(),
        Actor::Anonymous => "",
    };
    let centre = centre.map_or_else(String::new, |c| format!("{:.6},{:.6}", c.lon(), c.lat()));
    let zone = state.public.department.time_zone.name();
    let body = render(&Shell {
        department: &state.public.department.name,
        user: name,
        role: principal.role.as_str(),
        pii: principal.pii,
        csrf: principal.session_csrf.as_deref().unwrap_or(""),
        centre: &centre,
        zone,
        has_maplibre: state.public.maplibre.is_some(),
    });
    let mut response = Html(body).into_response();
    // The page carries the session's CSRF token: never stored by any cache.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

struct Shell<'a> {
    department: &'a str,
    user: &'a str,
    role: &'a str,
    pii: bool,
    csrf: &'a str,
    centre: &'a str,
    zone: &'a str,
    has_maplibre: bool,
}

fn render(s: &Shell<'_>) -> String {
    // MapLibre's stylesheet first, so that the map's own rules come after it and win.
    let vendor = if s.has_maplibre {
        "<link rel=\"stylesheet\" href=\"/static/vendor/maplibre-gl.css\">\
         <script src=\"/static/vendor/maplibre-gl.js\" defer></script>"
    } else {
        ""
    };
    let pii_note = if s.pii {
        "Owners' contacts are shown after you enter the case number. Every disclosure is recorded."
    } else {
        "Your account does not show owners' contacts."
    };
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>Officer map · Canvass</title>\
<link rel=\"icon\" href=\"data:,\">{vendor}\
<link rel=\"stylesheet\" href=\"{css}\">\
<script src=\"{js}\" defer></script></head>\
<body class=\"officer-map\" data-csrf=\"{csrf}\" data-center=\"{centre}\" data-pii=\"{pii}\" \
data-zone=\"{zone}\" data-maplibre=\"{maplibre}\" \
data-radius=\"{radius},{radius_min},{radius_max}\" data-buffer=\"{buffer},{buffer_min},{buffer_max}\" \
data-speed=\"{speed},{speed_min},{speed_max}\">\
<header class=\"bar\">\
<div class=\"brand\"><strong>Canvass</strong> <span>{department}</span></div>\
<form id=\"search\" class=\"search\" role=\"search\">\
<label for=\"search-text\" class=\"visually-hidden\">Address</label>\
<input id=\"search-text\" name=\"q\" type=\"search\" placeholder=\"Address, e.g. 1234 Main St\" \
autocomplete=\"off\" maxlength=\"200\" required>\
<button type=\"submit\">Search</button>\
<ul id=\"search-results\" class=\"search-results\" hidden></ul>\
</form>\
<div class=\"when\"><label for=\"incident-time\">Incident time</label>\
<input id=\"incident-time\" form=\"area\" name=\"incident_time\" type=\"datetime-local\" required></div>\
<div class=\"who\"><span>{user} · {role}</span> <a class=\"button quiet\" href=\"/account\">Account</a></div>\
</header>\
<div class=\"layout\">\
<section class=\"map-side\" aria-label=\"Map\">\
<div id=\"map\" class=\"map\" role=\"application\" aria-label=\"Map: tap or long-press to place the incident\"></div>\
<p id=\"map-missing\" class=\"map-missing\" hidden>The map library is not installed on this \
server (scripts/web-assets). Search an address to place the incident.</p>\
<form id=\"area\" class=\"area\" aria-label=\"Search area\">\
<fieldset class=\"modes\"><legend class=\"visually-hidden\">Search area</legend>\
<label><input type=\"radio\" name=\"mode\" value=\"radius\" checked><span>Circle</span></label>\
<label><input type=\"radio\" name=\"mode\" value=\"polygon\"><span>Polygon</span></label>\
<label><input type=\"radio\" name=\"mode\" value=\"route\"><span>Route</span></label>\
<label><input type=\"radio\" name=\"mode\" value=\"missing_person\"><span>Missing person</span></label>\
</fieldset>\
<div class=\"mode-fields\" data-mode=\"radius\">\
<label for=\"radius\">Radius (m)</label>\
<input id=\"radius\" name=\"radius_m\" type=\"number\" inputmode=\"numeric\" min=\"{radius_min}\" max=\"{radius_max}\" step=\"10\" value=\"{radius}\">\
<input id=\"radius-slider\" type=\"range\" min=\"{radius_min}\" max=\"1000\" step=\"10\" value=\"{radius}\" aria-label=\"Radius slider\">\
</div>\
<div class=\"mode-fields\" data-mode=\"polygon\" hidden>\
<p class=\"hint\">Tap 3 or more corners</p>\
<button type=\"button\" data-action=\"undo\">Undo corner</button>\
<button type=\"button\" data-action=\"clear\">Clear</button>\
</div>\
<div class=\"mode-fields\" data-mode=\"route\" hidden>\
<p class=\"hint\">Tap last seen, then where to</p>\
<label for=\"buffer\">Buffer (m)</label>\
<input id=\"buffer\" name=\"buffer_m\" type=\"number\" inputmode=\"numeric\" min=\"{buffer_min}\" max=\"{buffer_max}\" step=\"10\" value=\"{buffer}\">\
<button type=\"button\" data-action=\"undo\">Undo point</button>\
<button type=\"button\" data-action=\"clear\">Clear</button>\
</div>\
<div class=\"mode-fields\" data-mode=\"missing_person\" hidden>\
<label for=\"last-seen\">Last seen</label>\
<input id=\"last-seen\" name=\"last_seen_at\" type=\"datetime-local\">\
<label for=\"speed\">km/h</label>\
<input id=\"speed\" name=\"speed_kmh\" type=\"number\" inputmode=\"decimal\" min=\"{speed_min}\" max=\"{speed_max}\" step=\"0.5\" value=\"{speed}\">\
</div>\
</form>\
<ul class=\"legend\" aria-label=\"Map legend\">\
<li><span class=\"key incident\"></span>Incident</li>\
<li><span class=\"key faces\">1</span>Faces the incident</li>\
<li><span class=\"key at-risk\">2</span>Footage at risk</li>\
<li><span class=\"key gone\">3</span>Overwritten</li>\
</ul>\
<p id=\"map-hint\" class=\"map-hint\" role=\"status\">Tap the map (or long-press) to place the incident.</p>\
</section>\
<aside class=\"panel\" aria-label=\"Cameras\">\
<div id=\"summary\" class=\"summary\" role=\"status\" aria-live=\"polite\">\
<h1>Officer map</h1><p>Search an address or tap the map to place the incident. \
Cameras in the area are listed here, nearest first.</p></div>\
<form id=\"case\" class=\"case\" hidden>\
<h2 id=\"case-heading\">Start the canvass</h2>\
<p class=\"hint\">{pii_note}</p>\
<div class=\"case-fields\">\
<div><label for=\"case-number\">Case number</label>\
<input id=\"case-number\" name=\"case_number\" required maxlength=\"64\" autocomplete=\"off\" \
spellcheck=\"false\" placeholder=\"24-001234\"></div>\
<div><label for=\"reason\">Reason</label>\
<input id=\"reason\" name=\"reason\" required maxlength=\"500\" list=\"reasons\" placeholder=\"burglary\"></div>\
</div>\
<datalist id=\"reasons\"><option value=\"burglary\"><option value=\"robbery\">\
<option value=\"hit and run\"><option value=\"assault\"><option value=\"vandalism\">\
<option value=\"missing person\"><option value=\"shooting\"><option value=\"vehicle theft\"></datalist>\
<button type=\"submit\" class=\"primary\" id=\"case-submit\">{case_button}</button>\
</form>\
<div id=\"actions\" class=\"actions\" hidden>\
<a id=\"csv\" class=\"button\" href=\"#\" download>CSV</a>\
<a id=\"sheet\" class=\"button\" href=\"#\" target=\"_blank\" rel=\"noopener\">Print sheet</a>\
<button type=\"button\" id=\"request\">Request footage</button>\
</div>\
<p id=\"problem\" class=\"problem\" role=\"alert\" hidden></p>\
<ol id=\"cameras\" class=\"cameras\"></ol>\
</aside>\
</div>\
<dialog id=\"request-dialog\" class=\"request-dialog\">\
<form method=\"dialog\" id=\"request-form\">\
<h2>Request footage</h2>\
<p class=\"hint\">One e-mail to each selected owner, in their language. No owner sees another.</p>\
<fieldset class=\"kinds\"><legend>Kind</legend>\
<label><input type=\"radio\" name=\"kind\" value=\"preservation\" checked><span>Preserve the recording</span></label>\
<label><input type=\"radio\" name=\"kind\" value=\"footage\"><span>Hand over the footage</span></label>\
</fieldset>\
<div class=\"case-fields\">\
<div><label for=\"window-start\">From</label><input id=\"window-start\" type=\"datetime-local\" required></div>\
<div><label for=\"window-end\">To</label><input id=\"window-end\" type=\"datetime-local\" required></div>\
<div><label for=\"officer-name\">Officer</label><input id=\"officer-name\" maxlength=\"100\" value=\"{user}\"></div>\
<div><label for=\"callback\">Callback phone</label><input id=\"callback\" type=\"tel\" maxlength=\"40\"></div>\
</div>\
<p id=\"request-count\" class=\"hint\"></p>\
<p id=\"request-problem\" class=\"problem\" role=\"alert\" hidden></p>\
<div class=\"dialog-actions\"><button type=\"button\" id=\"request-cancel\">Cancel</button>\
<button type=\"button\" id=\"request-send\" class=\"primary\">Send</button></div>\
</form></dialog>\
</body></html>\n",
        css = MAP_CSS.path,
        js = MAP_JS.path,
        csrf = escape(s.csrf),
        centre = escape(s.centre),
        pii = s.pii,
        zone = escape(s.zone),
        maplibre = s.has_maplibre,
        department = escape(s.department),
        user = escape(s.user),
        role = escape(s.role),
        pii_note = pii_note,
        case_button = if s.pii {
            "Start canvass and show contacts"
        } else {
            "Start canvass"
        },
        radius = DEFAULT_RADIUS_M,
        radius_min = MIN_RADIUS_M,
        radius_max = MAX_RADIUS_M,
        buffer = DEFAULT_BUFFER_M,
        buffer_min = MIN_BUFFER_M,
        buffer_max = MAX_BUFFER_M,
        speed = DEFAULT_WALKING_KMH,
        speed_min = MIN_SPEED_KMH,
        speed_max = MAX_SPEED_KMH,
    )
}
