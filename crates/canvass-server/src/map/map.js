// The officer map. Drop the incident on the map (tap, click or long-press, or search an
// address); the cameras a canvass would list appear beside the map at once, without contacts
// (POST /api/v1/canvasses/preview stores nothing). The case number and reason start the
// canvass itself (POST /api/v1/canvasses): from then on the list is the stored canvass, with
// owners' contacts for accounts allowed to see them, status buttons, CSV, sheet and footage
// requests. Every rule about who sees what is the server's; this script only shows answers.
(function () {
  "use strict";

  var body = document.body;
  var csrf = body.getAttribute("data-csrf") || "";
  var zone = body.getAttribute("data-zone") || "UTC";
  var limits = {
    radius: body.getAttribute("data-radius").split(",").map(Number),
    buffer: body.getAttribute("data-buffer").split(",").map(Number),
    speed: body.getAttribute("data-speed").split(",").map(Number)
  };
  var $ = function (id) { return document.getElementById(id); };
  var LIST_LIMIT = 300;
  var MARKER_LIMIT = 60;
  var STATUSES = [
    ["no_answer", "No answer"],
    ["contacted", "Contacted"],
    ["declined", "Declined"],
    ["footage_obtained", "Got footage"],
    ["no_footage", "No footage"]
  ];
  var COMPASS = ["N", "NE", "E", "SE", "S", "SW", "W", "NW"];

  var state = {
    incident: null,      // [lon, lat]
    vertices: [],        // polygon corners or route points
    preview: null,       // the preview answer
    canvass: null,       // the stored canvass answer
    selected: null,      // camera id
    asked: {},           // camera id -> selected for a footage request
    seq: 0               // answers older than the latest request are dropped
  };

  // ---- Times on the department's clock ----------------------------------------------------

  function parts(date) {
    var out = {};
    new Intl.DateTimeFormat("en-US", {
      timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit"
    }).formatToParts(date).forEach(function (p) { out[p.type] = p.value; });
    return out;
  }
  // Minutes the department's clock is ahead of UTC at `date`.
  function offsetMinutes(date) {
    var p = parts(date);
    var wall = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour % 24, +p.minute, +p.second);
    return Math.round((wall - Math.floor(date.getTime() / 1000) * 1000) / 60000);
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  // A datetime-local value for `date` on the department's clock.
  function toInput(date) {
    var p = parts(date);
    return p.year + "-" + p.month + "-" + p.day + "T" + pad(+p.hour % 24) + ":" + p.minute;
  }
  // RFC 3339 with the department's offset for a datetime-local value.
  function fromInput(value) {
    var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(value || "");
    if (!m) { return null; }
    var wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]);
    var offset = offsetMinutes(new Date(wall));
    offset = offsetMinutes(new Date(wall - offset * 60000));
    var sign = offset < 0 ? "-" : "+";
    var abs = Math.abs(offset);
    return m[1] + "-" + m[2] + "-" + m[3] + "T" + m[4] + ":" + m[5] + ":00" + sign +
      pad(Math.floor(abs / 60)) + ":" + pad(abs % 60);
  }
  var shortTime = new Intl.DateTimeFormat("en-US", {
    timeZone: zone, weekday: "short", month: "short", day: "numeric", hour: "2-digit",
    minute: "2-digit", hourCycle: "h23", timeZoneName: "short"
  });
  function shown(iso) { return iso ? shortTime.format(new Date(iso)) : ""; }

  // ---- The API ------------------------------------------------------------------------------

  function api(method, url, payload) {
    var init = { method: method, credentials: "same-origin", headers: { "Accept": "application/json" } };
    if (payload !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.headers["X-CSRF-Token"] = csrf;
      init.body = JSON.stringify(payload);
    }
    return fetch(url, init).then(function (response) {
      return response.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        if (response.status === 401) {
          throw new Error("Your session has ended. Sign in again at /login.");
        }
        if (!response.ok) {
          throw new Error((data && data.error) || ("The server answered " + response.status));
        }
        return data;
      });
    });
  }

  function problem(message) {
    var box = $("problem");
    box.textContent = message || "";
    box.hidden = !message;
  }

  // ---- Elements -----------------------------------------------------------------------------

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  // ---- The area -----------------------------------------------------------------------------

  function mode() {
    var checked = document.querySelector("input[name=mode]:checked");
    return checked ? checked.value : "radius";
  }
  function number(id, range, fallback) {
    var v = Number($(id).value);
    if (!isFinite(v) || v === 0 && $(id).value === "") { return fallback; }
    return v;
  }

  // The area as the API takes it, or null with the reason it is not ready.
  function areaBody() {
    var m = mode();
    if (m === "radius") {
      return { area: { radius_m: number("radius", limits.radius, limits.radius[0]) } };
    }
    if (m === "polygon") {
      if (state.vertices.length < 3) { return { wait: "Tap the map to add the polygon's corners (3 or more)." }; }
      var ring = state.vertices.concat([state.vertices[0]]);
      return { area: { polygon: { type: "Polygon", coordinates: [ring] } } };
    }
    if (m === "route") {
      if (state.vertices.length < 2) { return { wait: "Tap the route's points: last seen, then each place the person may go." }; }
      return {
        area: {
          route: { type: "LineString", coordinates: state.vertices.slice() },
          buffer_m: number("buffer", limits.buffer, limits.buffer[0])
        }
      };
    }
    var seen = fromInput($("last-seen").value);
    if (!seen) { return { wait: "Enter when the person was last seen." }; }
    return {
      area: { missing_person: { last_seen_at: seen, speed_kmh: number("speed", limits.speed, limits.speed[0]) } }
    };
  }

  function request() {
    if (!state.incident) { return { wait: "Tap the map (or long-press) to place the incident." }; }
    var area = areaBody();
    if (!area.area) { return area; }
    var out = { incident: { type: "Point", coordinates: state.incident }, area: area.area };
    var time = fromInput($("incident-time").value);
    if (mode() !== "missing_person" || time) {
      if (!time) { return { wait: "Enter the incident time." }; }
      out.incident_time = time;
    }
    return { body: out };
  }

  // ---- Preview and canvass --------------------------------------------------------------------

  var timer = null;
  function changed() {
    // A change of place, area or time makes a new search; a canvass already run stays on the
    // server (its sheet and statuses) and the next one is run for the same case.
    if (state.canvass) {
      state.canvass = null;
      $("case-heading").textContent = "Run the canvass again for this case";
    }
    $("actions").hidden = true;
    window.clearTimeout(timer);
    timer = window.setTimeout(runPreview, 250);
    drawArea();
  }

  function hint(text) {
    $("map-hint").textContent = text;
    $("map-hint").hidden = !text;
  }

  function runPreview() {
    var r = request();
    if (!r.body) {
      hint(r.wait);
      state.preview = null;
      render();
      return;
    }
    hint("");
    problem("");
    var seq = ++state.seq;
    api("POST", "/api/v1/canvasses/preview", r.body).then(function (answer) {
      if (seq !== state.seq) { return; }
      state.preview = answer;
      state.asked = {};
      render();
      fitArea();
    }).catch(function (error) {
      if (seq !== state.seq) { return; }
      state.preview = null;
      render();
      problem(error.message);
    });
  }

  function startCanvass(event) {
    event.preventDefault();
    var r = request();
    if (!r.body) { problem(r.wait); return; }
    var caseNumber = $("case-number").value.trim();
    var reason = $("reason").value.trim();
    if (!caseNumber) { problem("Enter the case number."); $("case-number").focus(); return; }
    if (!reason) { problem("Enter the reason (what happened)."); $("reason").focus(); return; }
    r.body.case_number = caseNumber;
    r.body.reason = reason;
    if (!r.body.incident_time) { delete r.body.incident_time; }
    problem("");
    $("case-submit").disabled = true;
    var seq = ++state.seq;
    api("POST", "/api/v1/canvasses", r.body).then(function (answer) {
      if (seq !== state.seq) { return; }
      state.canvass = answer;
      state.asked = {};
      render();
    }).catch(function (error) {
      problem(error.message);
    }).then(function () {
      $("case-submit").disabled = false;
    });
  }

  // ---- The list --------------------------------------------------------------------------------

  function cameras() {
    if (state.canvass) { return state.canvass.cameras; }
    return state.preview ? state.preview.cameras : [];
  }

  function compass(deg) { return COMPASS[Math.round(((deg % 360) + 360) % 360 / 45) % 8]; }
  function metres(m) { return m >= 1000 ? (m / 1000).toFixed(2) + " km" : Math.round(m) + " m"; }

  function facesBadge(c) {
    if (c.faces_incident === "yes") { return el("span", "badge faces", "Faces incident"); }
    if (c.faces_incident === "no") { return el("span", "badge away", "Faces away"); }
    return el("span", "badge unknown", "Facing unknown");
  }
  function footageBadge(c) {
    switch (c.footage_status) {
      case "at_risk": return el("span", "badge at-risk", "At risk · until " + shown(c.footage_until));
      case "overwritten": return el("span", "badge overwritten", "Overwritten");
      case "ok": return el("span", "badge ok", "Kept until " + shown(c.footage_until));
      default: return el("span", "badge unknown", "Retention unknown");
    }
  }
  function words(text) { return (text || "").replace(/_/g, " "); }

  // Whether a camera is worth asking for footage, as a first choice the officer can change.
  function worthAsking(c) {
    return c.faces_incident !== "no" && c.footage_status !== "overwritten" &&
      (!c.status || c.status === "not_contacted" || c.status === "no_answer");
  }

  // (925) 555-0142 for a North American number, else as stored.
  function phoneShown(phone) {
    var digits = phone.replace(/[^0-9]/g, "");
    if (digits.length === 11 && digits[0] === "1") { digits = digits.slice(1); }
    if (digits.length === 10 && /^\+?1?[0-9]{10}$/.test(phone.replace(/[^0-9+]/g, ""))) {
      return "(" + digits.slice(0, 3) + ") " + digits.slice(3, 6) + "-" + digits.slice(6);
    }
    return phone;
  }

  function contactBlock(c, ask) {
    var box = el("div", "contact");
    var owner = el("div", "owner", c.contact.name || "");
    if (c.contact.business_name) { owner.textContent += " — " + c.contact.business_name; }
    if (c.address) { owner.appendChild(el("span", "address", " · " + c.address)); }
    box.appendChild(owner);
    var reach = el("div", "reach");
    if (c.contact.phone) {
      var tel = el("a", "button", "Call " + phoneShown(c.contact.phone));
      tel.href = "tel:" + c.contact.phone.replace(/[^0-9+]/g, "");
      reach.appendChild(tel);
    }
    if (c.contact.email) {
      var mail = el("a", "button", "E-mail");
      mail.href = "mailto:" + c.contact.email;
      mail.title = c.contact.email;
      reach.appendChild(mail);
    }
    var prefers = [];
    if (c.contact.contact_method) { prefers.push("prefers " + words(c.contact.contact_method)); }
    if (c.contact.language) { prefers.push(c.contact.language === "es" ? "Spanish" : "English"); }
    reach.appendChild(el("span", "prefers", prefers.join(" · ")));
    if (ask) { reach.appendChild(ask); }
    box.appendChild(reach);
    return box;
  }

  function statusButtons(c) {
    var group = el("div", "statuses");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Outcome for camera " + c.rank);
    STATUSES.forEach(function (s) {
      var b = el("button", "", s[1]);
      b.type = "button";
      b.setAttribute("aria-pressed", c.status === s[0] ? "true" : "false");
      b.addEventListener("click", function () { setStatus(c, s[0], b); });
      group.appendChild(b);
    });
    return group;
  }

  function setStatus(c, status, button) {
    var canvass = state.canvass;
    if (!canvass) { return; }
    var next = c.status === status ? "not_contacted" : status;
    button.disabled = true;
    api("PATCH", "/api/v1/canvasses/" + canvass.id + "/cameras/" + c.camera_id, { status: next })
      .then(function (answer) {
        c.status = answer.status;
        c.status_by = answer.status_by;
        c.status_at = answer.status_at;
        render();
      })
      .catch(function (error) { problem(error.message); button.disabled = false; });
  }

  var owners = {};
  function ownerKey(c) {
    return [c.contact.name, c.contact.email, c.contact.phone, c.address].join("\u0000");
  }

  function card(c) {
    var li = el("li", "camera faces-" + c.faces_incident + " footage-" + c.footage_status);
    li.id = "camera-" + c.camera_id;
    if (state.selected === c.camera_id) { li.className += " selected"; }
    var rank = el("div", "rank", String(c.rank));
    rank.title = "Show on the map";
    rank.addEventListener("click", function () { select(c.camera_id, true); });
    li.appendChild(rank);
    var main = el("div", "main");
    var where = el("div", "where");
    where.appendChild(el("span", "distance", metres(c.distance_m) + " " + compass(c.bearing_deg)));
    where.appendChild(facesBadge(c));
    where.appendChild(footageBadge(c));
    if (c.new_since_previous_run) { where.appendChild(el("span", "badge new", "New")); }
    main.appendChild(where);
    var facts = [
      c.kind === "business" ? "Business" : "Residence",
      c.placement === "interior" ? "inside" : "outside",
      (c.views || []).map(words).join(", "),
      c.recording_mode === "motion" ? "records on motion" : "records continuously",
      c.can_export === "yes" ? "can export" : c.can_export === "no" ? "cannot export" : "export unsure"
    ].filter(Boolean);
    main.appendChild(el("p", "facts", facts.join(" · ")));
    var ask = null;
    if (state.canvass) {
      ask = el("label", "ask");
      var box = el("input");
      box.type = "checkbox";
      box.checked = state.asked[c.camera_id] !== undefined ? state.asked[c.camera_id] : worthAsking(c);
      state.asked[c.camera_id] = box.checked;
      box.addEventListener("change", function () { state.asked[c.camera_id] = box.checked; });
      ask.appendChild(box);
      ask.appendChild(document.createTextNode("Ask for footage"));
    }
    var earlier = c.contact ? owners[ownerKey(c)] : undefined;
    if (earlier !== undefined && earlier !== c.rank) {
      // One call reaches every camera of an owner: their contact is shown once, nearest first.
      var same = el("p", "same-owner", "Same owner as " + earlier + " · " + c.contact.name);
      if (ask) { same.appendChild(ask); }
      main.appendChild(same);
    } else if (c.contact) {
      main.appendChild(contactBlock(c, ask));
    } else if (ask) {
      main.appendChild(ask);
    }
    if (state.canvass) { main.appendChild(statusButtons(c)); }
    li.appendChild(main);
    return li;
  }

  function summary() {
    var box = $("summary");
    box.textContent = "";
    var answer = state.canvass || state.preview;
    if (!answer) {
      box.appendChild(el("h1", "", "Officer map"));
      box.appendChild(el("p", "", "Search an address or tap the map to place the incident. " +
        "Cameras in the area are listed here, nearest first."));
      return;
    }
    var list = answer.cameras;
    var title = answer.found === 1 ? "1 camera" : answer.found + " cameras";
    var area = answer.area || {};
    if (area.radius_m) { title += " within " + metres(area.radius_m); }
    if (area.missing_person) { title += " within " + metres(area.missing_person.radius_m) + " walked"; }
    if (area.polygon) { title += " in the polygon"; }
    if (area.route) { title += " along the route"; }
    box.appendChild(el("h1", "", title));
    var counts = el("div", "counts");
    var count = function (test) { return list.filter(test).length; };
    var faces = count(function (c) { return c.faces_incident === "yes"; });
    var risk = count(function (c) { return c.footage_status === "at_risk"; });
    var gone = count(function (c) { return c.footage_status === "overwritten"; });
    counts.appendChild(el("span", faces ? "badge faces" : "badge none",
      faces === 1 ? "1 faces the incident" : faces + " face the incident"));
    if (risk) { counts.appendChild(el("span", "badge at-risk", risk + " at risk")); }
    if (gone) { counts.appendChild(el("span", "badge overwritten", gone + " overwritten")); }
    box.appendChild(counts);
    var line = state.canvass
      ? "Canvass " + answer.id + " · case " + answer.case_number + " · incident " + shown(answer.incident_time)
      : "Incident " + shown(answer.incident_time) + " · not yet a canvass: enter the case number below";
    box.appendChild(el("p", "hint", line));
    if (answer.truncated) {
      box.appendChild(el("p", "hint", "Only the nearest " + list.length + " are kept: make the area smaller."));
    }
  }

  function render() {
    summary();
    var list = cameras();
    var ol = $("cameras");
    ol.textContent = "";
    owners = {};
    list.forEach(function (c) {
      if (c.contact && owners[ownerKey(c)] === undefined) { owners[ownerKey(c)] = c.rank; }
    });
    list.slice(0, LIST_LIMIT).forEach(function (c) { ol.appendChild(card(c)); });
    if (list.length > LIST_LIMIT) {
      ol.appendChild(el("li", "more", "Showing the nearest " + LIST_LIMIT + " of " + list.length +
        ". The CSV and the printed sheet list them all."));
    }
    $("case").hidden = !state.preview && !state.canvass || !!state.canvass;
    var actions = $("actions");
    actions.hidden = !state.canvass;
    if (state.canvass) {
      $("csv").href = "/api/v1/canvasses/" + state.canvass.id + ".csv";
      $("csv").setAttribute("download", "canvass-" + state.canvass.id + ".csv");
      $("sheet").href = "/api/v1/canvasses/" + state.canvass.id + "/sheet";
    }
    drawResults();
  }

  function select(id, fly) {
    state.selected = id;
    var found = cameras().filter(function (c) { return c.camera_id === id; })[0];
    Array.prototype.forEach.call(document.querySelectorAll(".camera.selected, .result-marker.selected"),
      function (n) { n.classList.remove("selected"); });
    var item = $("camera-" + id);
    if (item) {
      item.classList.add("selected");
      item.scrollIntoView({ block: "nearest", behavior: "smooth" });
    }
    if (markers[id]) { markers[id].getElement().classList.add("selected"); }
    if (fly && map && found) { map.easeTo({ center: [found.lon, found.lat] }); }
  }

  // ---- Footage requests -------------------------------------------------------------------------

  function openRequest() {
    if (!state.canvass) { return; }
    var chosen = state.canvass.cameras.filter(function (c) { return state.asked[c.camera_id]; });
    var incident = new Date(state.canvass.incident_time);
    var now = new Date();
    var end = new Date(Math.min(incident.getTime() + 30 * 60000, now.getTime()));
    $("window-start").value = toInput(new Date(incident.getTime() - 30 * 60000));
    $("window-end").value = toInput(end);
    $("request-count").textContent = chosen.length + (chosen.length === 1 ? " camera" : " cameras") +
      " selected (tick \u201cAsk for footage\u201d in the list to change).";
    $("request-problem").hidden = true;
    $("request-send").disabled = chosen.length === 0;
    $("request-dialog").showModal();
  }

  function sendRequest() {
    var chosen = state.canvass.cameras.filter(function (c) { return state.asked[c.camera_id]; });
    var kind = document.querySelector("input[name=kind]:checked").value;
    var payload = {
      kind: kind,
      camera_ids: chosen.map(function (c) { return c.camera_id; }),
      window_start: fromInput($("window-start").value),
      window_end: fromInput($("window-end").value)
    };
    var name = $("officer-name").value.trim();
    var phone = $("callback").value.trim();
    if (name) { payload.officer_name = name; }
    if (phone) { payload.callback_phone = phone; }
    $("request-send").disabled = true;
    api("POST", "/api/v1/canvasses/" + state.canvass.id + "/requests", payload).then(function (answer) {
      var sent = answer.owners.filter(function (o) { return o.sent; }).length;
      $("request-dialog").close();
      problem("");
      hint("Footage request sent to " + sent + " of " + answer.owners.length + " owners.");
    }).catch(function (error) {
      $("request-problem").textContent = error.message;
      $("request-problem").hidden = false;
    }).then(function () { $("request-send").disabled = false; });
  }

  // ---- The map -------------------------------------------------------------------------------------

  var map = null;
  var incidentMarker = null;
  var foundMarker = null;
  var markers = {};

  function circleRing(centre, radius) {
    var out = [];
    var lat = centre[1] * Math.PI / 180;
    for (var i = 0; i <= 64; i++) {
      var a = i / 64 * 2 * Math.PI;
      var dy = radius * Math.cos(a) / 111195;
      var dx = radius * Math.sin(a) / (111195 * Math.cos(lat));
      out.push([centre[0] + dx, centre[1] + dy]);
    }
    return out;
  }

  function areaFeatures() {
    var features = [];
    var m = mode();
    var answer = state.canvass || state.preview;
    if (state.incident && (m === "radius" || m === "missing_person")) {
      var radius = m === "radius" ? number("radius", limits.radius, limits.radius[0])
        : answer && answer.area && answer.area.missing_person ? answer.area.missing_person.radius_m : 0;
      if (radius > 0) {
        features.push({ type: "Feature", properties: { kind: "area" },
          geometry: { type: "Polygon", coordinates: [circleRing(state.incident, radius)] } });
      }
    }
    if (m === "polygon" && state.vertices.length) {
      var ring = state.vertices.concat(state.vertices.length > 2 ? [state.vertices[0]] : []);
      features.push({ type: "Feature", properties: { kind: "edge" },
        geometry: { type: "LineString", coordinates: ring } });
      if (state.vertices.length > 2) {
        features.push({ type: "Feature", properties: { kind: "area" },
          geometry: { type: "Polygon", coordinates: [ring] } });
      }
    }
    if (m === "route" && state.vertices.length) {
      features.push({ type: "Feature", properties: { kind: "route" },
        geometry: { type: "LineString", coordinates: state.vertices } });
    }
    if ((m === "polygon" || m === "route")) {
      state.vertices.forEach(function (v) {
        features.push({ type: "Feature", properties: { kind: "vertex" }, geometry: { type: "Point", coordinates: v } });
      });
    }
    return { type: "FeatureCollection", features: features };
  }

  function drawArea() {
    if (!map || !map.getSource("area")) { return; }
    map.getSource("area").setData(areaFeatures());
    // A route's buffer is metres: draw it as a line exactly that wide at every zoom.
    if (mode() === "route" && state.vertices.length) {
      var buffer = number("buffer", limits.buffer, limits.buffer[0]);
      var perPixel0 = 78271.517 * Math.cos(state.vertices[0][1] * Math.PI / 180);
      map.setPaintProperty("route-buffer", "line-width",
        ["interpolate", ["exponential", 2], ["zoom"], 0, 2 * buffer / perPixel0, 22, 2 * buffer / perPixel0 * Math.pow(2, 22)]);
    }
  }

  // Cameras this close together are one spot on the map: one house, one marker.
  var SAME_SPOT_M = 12;
  function metresApart(a, b) {
    var dy = (a.lat - b.lat) * 111195;
    var dx = (a.lon - b.lon) * 111195 * Math.cos(a.lat * Math.PI / 180);
    return Math.sqrt(dx * dx + dy * dy);
  }

  // "1–3" for consecutive ranks, "1, 4" otherwise.
  function ranks(list) {
    var r = list.map(function (c) { return c.rank; });
    var consecutive = r.every(function (v, i) { return i === 0 || v === r[i - 1] + 1; });
    if (r.length > 2 && consecutive) { return r[0] + "\u2013" + r[r.length - 1]; }
    return r.join(", ");
  }

  function drawResults() {
    if (!map) { return; }
    Object.keys(markers).forEach(function (id) { markers[id].remove(); });
    markers = {};
    // Cameras at one spot (several on one house) share one marker that names them all.
    var spots = [];
    cameras().slice(0, MARKER_LIMIT).forEach(function (c) {
      var near = spots.filter(function (group) { return metresApart(group[0], c) < SAME_SPOT_M; })[0];
      if (near) { near.push(c); } else { spots.push([c]); }
    });
    spots.reverse().forEach(function (group) {
      var c = group[0];
      var faces = group.some(function (g) { return g.faces_incident === "yes"; }) ? "yes" : c.faces_incident;
      var risk = group.some(function (g) { return g.footage_status === "at_risk"; }) ? "at_risk" : c.footage_status;
      var node = el("div", "result-marker faces-" + faces + " footage-" + risk, ranks(group));
      node.title = (group.length > 1 ? "Cameras " : "Camera ") + ranks(group) + ": " + metres(c.distance_m);
      group.forEach(function (g) { if (state.selected === g.camera_id) { node.classList.add("selected"); } });
      node.addEventListener("click", function (event) {
        event.stopPropagation();
        select(c.camera_id, false);
      });
      var marker = new window.maplibregl.Marker({ element: node }).setLngLat([c.lon, c.lat]).addTo(map);
      group.forEach(function (g) { markers[g.camera_id] = marker; });
    });
  }

  function fitArea() {
    if (!map) { return; }
    var points = [];
    var data = areaFeatures();
    data.features.forEach(function (f) {
      var g = f.geometry;
      if (g.type === "Point") { points.push(g.coordinates); }
      if (g.type === "LineString") { points = points.concat(g.coordinates); }
      if (g.type === "Polygon") { points = points.concat(g.coordinates[0]); }
    });
    if (state.incident) { points.push(state.incident); }
    if (points.length < 2) { return; }
    var w = Infinity, s = Infinity, e = -Infinity, n = -Infinity;
    points.forEach(function (p) {
      w = Math.min(w, p[0]); e = Math.max(e, p[0]); s = Math.min(s, p[1]); n = Math.max(n, p[1]);
    });
    map.fitBounds([[w, s], [e, n]], { padding: { top: 100, bottom: 60, left: 40, right: 70 }, maxZoom: 18, duration: 400 });
  }

  function placeIncident(lngLat) {
    state.incident = [Number(lngLat.lng.toFixed(6)), Number(lngLat.lat.toFixed(6))];
    if (map) {
      if (!incidentMarker) {
        var node = el("div", "incident-marker");
        node.title = "Incident (drag to move)";
        incidentMarker = new window.maplibregl.Marker({ element: node, draggable: true })
          .setLngLat(state.incident).addTo(map);
        incidentMarker.on("dragend", function () { placeIncident(incidentMarker.getLngLat()); });
      } else {
        incidentMarker.setLngLat(state.incident);
      }
    }
    changed();
  }

  function tapped(lngLat) {
    var m = mode();
    if (!state.incident || m === "radius" || m === "missing_person") {
      placeIncident(lngLat);
      return;
    }
    state.vertices.push([Number(lngLat.lng.toFixed(6)), Number(lngLat.lat.toFixed(6))]);
    changed();
  }

  // A press held still for half a second places the incident in every mode.
  function longPress(container) {
    var timer = null;
    var start = null;
    container.addEventListener("touchstart", function (event) {
      if (event.touches.length !== 1) { window.clearTimeout(timer); return; }
      var t = event.touches[0];
      start = [t.clientX, t.clientY];
      timer = window.setTimeout(function () {
        var box = container.getBoundingClientRect();
        placeIncident(map.unproject([start[0] - box.left, start[1] - box.top]));
      }, 550);
    }, { passive: true });
    container.addEventListener("touchmove", function (event) {
      var t = event.touches[0];
      if (start && Math.abs(t.clientX - start[0]) + Math.abs(t.clientY - start[1]) > 12) {
        window.clearTimeout(timer);
      }
    }, { passive: true });
    ["touchend", "touchcancel"].forEach(function (name) {
      container.addEventListener(name, function () { window.clearTimeout(timer); }, { passive: true });
    });
  }

  function startMap() {
    var centre = (body.getAttribute("data-center") || "").split(",").map(Number);
    var known = centre.length === 2 && centre.every(isFinite);
    var origin = window.location.origin;
    map = new window.maplibregl.Map({
      container: "map",
      center: known ? centre : [0, 0],
      zoom: known ? 14 : 1,
      attributionControl: false,
      dragRotate: false,
      pitchWithRotate: false,
      style: {
        version: 8,
        sources: {
          basemap: { type: "vector", tiles: [origin + "/public/tiles/basemap/{z}/{x}/{y}.mvt"], minzoom: 10, maxzoom: 16 },
          cameras: { type: "vector", tiles: [origin + "/tiles/cameras,camera_fov/{z}/{x}/{y}.mvt"], minzoom: 10, maxzoom: 18 },
          area: { type: "geojson", data: { type: "FeatureCollection", features: [] } }
        },
        layers: [
          { id: "land", type: "background", paint: { "background-color": "#f4f1ea" } },
          { id: "streets-casing", type: "line", source: "basemap", "source-layer": "streets",
            paint: { "line-color": "#9a9a9a", "line-width": ["interpolate", ["linear"], ["zoom"], 12, 2, 17, 12] } },
          { id: "streets", type: "line", source: "basemap", "source-layer": "streets",
            paint: { "line-color": "#ffffff", "line-width": ["interpolate", ["linear"], ["zoom"], 12, 1, 17, 9] } },
          { id: "boundary", type: "line", source: "basemap", "source-layer": "jurisdiction",
            paint: { "line-color": "#0b3d91", "line-width": 2, "line-dasharray": [2, 2] } },
          { id: "area-fill", type: "fill", source: "area", filter: ["==", ["get", "kind"], "area"],
            paint: { "fill-color": "#0b3d91", "fill-opacity": 0.08 } },
          { id: "area-line", type: "line", source: "area", filter: ["in", ["get", "kind"], ["literal", ["area", "edge"]]],
            paint: { "line-color": "#0b3d91", "line-width": 3, "line-dasharray": [3, 1.5] } },
          { id: "route-buffer", type: "line", source: "area", filter: ["==", ["get", "kind"], "route"],
            layout: { "line-cap": "round", "line-join": "round" },
            paint: { "line-color": "#0b3d91", "line-opacity": 0.15, "line-width": 20 } },
          { id: "route-line", type: "line", source: "area", filter: ["==", ["get", "kind"], "route"],
            paint: { "line-color": "#0b3d91", "line-width": 3 } },
          { id: "vertices", type: "circle", source: "area", filter: ["==", ["get", "kind"], "vertex"],
            paint: { "circle-radius": 7, "circle-color": "#fff", "circle-stroke-color": "#0b3d91", "circle-stroke-width": 3 } },
          { id: "coverage", type: "circle", source: "cameras", "source-layer": "coverage",
            paint: { "circle-color": "#0b3d91", "circle-opacity": 0.5,
              "circle-radius": ["interpolate", ["linear"], ["get", "count"], 1, 3, 50, 9] } },
          { id: "fov", type: "fill", source: "cameras", "source-layer": "camera_fov",
            paint: { "fill-color": "#1f6fd1", "fill-opacity": 0.2, "fill-outline-color": "#0b3d91" } },
          { id: "cameras", type: "circle", source: "cameras", "source-layer": "cameras",
            paint: { "circle-radius": 5, "circle-color": "#0b1f3a", "circle-stroke-color": "#fff", "circle-stroke-width": 1.5 } }
        ]
      }
    });
    map.addControl(new window.maplibregl.NavigationControl({ showCompass: false }), "top-right");
    map.addControl(new window.maplibregl.ScaleControl({ unit: "metric" }), "bottom-left");
    map.on("click", function (event) { tapped(event.lngLat); });
    map.on("contextmenu", function (event) { placeIncident(event.lngLat); });
    map.on("load", function () { drawArea(); });
    longPress(map.getCanvasContainer());
  }

  // ---- Address search ---------------------------------------------------------------------------

  function search(event) {
    event.preventDefault();
    var q = $("search-text").value.trim();
    var list = $("search-results");
    list.textContent = "";
    list.hidden = true;
    if (!q) { return; }
    api("GET", "/api/v1/places?q=" + encodeURIComponent(q)).then(function (answer) {
      if (!answer.places.length) {
        list.appendChild(el("li", "", "No address point matches \u201c" + q + "\u201d. Tap the map instead."));
        list.hidden = false;
        return;
      }
      if (answer.places.length === 1) {
        go(answer.places[0]);
        return;
      }
      answer.places.forEach(function (place) {
        var li = el("li");
        li.appendChild(el("span", "", place.label));
        var show = el("button", "", "Show");
        show.type = "button";
        show.addEventListener("click", function () { go(place); });
        var use = el("button", "primary", "Incident here");
        use.type = "button";
        use.addEventListener("click", function () {
          list.hidden = true;
          placeIncident({ lng: place.lon, lat: place.lat });
        });
        li.appendChild(show);
        li.appendChild(use);
        list.appendChild(li);
      });
      list.hidden = false;
    }).catch(function (error) {
      list.appendChild(el("li", "", error.message));
      list.hidden = false;
    });
  }

  function go(place) {
    // Without the map library the address itself is the incident.
    if (!map) {
      placeIncident({ lng: place.lon, lat: place.lat });
      return;
    }
    if (!foundMarker) {
      foundMarker = new window.maplibregl.Marker({ element: el("div", "found-marker"), anchor: "bottom" });
    }
    foundMarker.setLngLat([place.lon, place.lat]).addTo(map);
    map.jumpTo({ center: [place.lon, place.lat], zoom: 17 });
    hint("Tap the map (or long-press) to place the incident near " + place.label + ".");
  }

  // ---- Wiring -------------------------------------------------------------------------------------

  function showMode() {
    var m = mode();
    Array.prototype.forEach.call(document.querySelectorAll(".mode-fields"), function (box) {
      box.hidden = box.getAttribute("data-mode") !== m;
    });
    if (m === "missing_person" && !$("last-seen").value) { $("last-seen").value = $("incident-time").value; }
    if (m === "missing_person" && !$("reason").value) { $("reason").value = "missing person"; }
    state.vertices = [];
    changed();
  }

  function start() {
    $("incident-time").value = toInput(new Date());
    if (window.maplibregl && body.getAttribute("data-maplibre") === "true") {
      startMap();
    } else {
      $("map-missing").hidden = false;
    }
    $("search").addEventListener("submit", search);
    Array.prototype.forEach.call(document.querySelectorAll("input[name=mode]"), function (input) {
      input.addEventListener("change", showMode);
    });
    ["radius", "buffer", "speed", "last-seen", "incident-time"].forEach(function (id) {
      $(id).addEventListener("change", changed);
    });
    $("radius").addEventListener("input", function () { $("radius-slider").value = $("radius").value; drawArea(); });
    $("radius-slider").addEventListener("input", function () { $("radius").value = $("radius-slider").value; drawArea(); });
    $("radius-slider").addEventListener("change", changed);
    Array.prototype.forEach.call(document.querySelectorAll("[data-action=undo]"), function (b) {
      b.addEventListener("click", function () { state.vertices.pop(); changed(); });
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-action=clear]"), function (b) {
      b.addEventListener("click", function () { state.vertices = []; changed(); });
    });
    $("case").addEventListener("submit", startCanvass);
    $("request").addEventListener("click", openRequest);
    $("request-send").addEventListener("click", sendRequest);
    $("request-cancel").addEventListener("click", function () { $("request-dialog").close(); });
    $("area").addEventListener("submit", function (event) { event.preventDefault(); });
    render();
  }

  start();
})();
