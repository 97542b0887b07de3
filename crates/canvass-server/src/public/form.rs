//! The registration form: reading what was sent (every field as typed, so a refused form comes
//! back with the values kept) and writing it out again with each problem beside its field.

use canvass_geo::LonLat;
use canvass_model::submission::{
    COMPASS, CameraInput, FieldError, Problem, SubmissionInput, camera_field,
};
use canvass_model::{CanExport, Language, Placement, RecordingMode, View};

use axum::body::Body;

use super::settings::PublicSettings;
use crate::http::page::escape;

/// Camera blocks read from one form at most; more is refused as too many anyway.
const MAX_BLOCKS: usize = 50;
/// Characters of a refused field written back into the form.
const KEEP_CHARS: usize = 2000;

/// What a form post asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Action {
    /// Send the registration.
    Submit,
    /// Add an empty camera block.
    AddCamera,
    /// Remove camera block `n`.
    RemoveCamera(usize),
    /// Hide the entry from maps for now (manage page).
    Pause,
    /// Show it again.
    Resume,
    /// Delete the personal data and leave (manage page).
    OptOut,
}

/// A posted registration form.
#[derive(Debug, Clone, Default)]
pub(crate) struct Posted {
    pub input: SubmissionInput,
    pub csrf: String,
    /// The honeypot field that people never see and bots fill in.
    pub honeypot: String,
    pub action: Option<Action>,
}

/// Reads an `application/x-www-form-urlencoded` body.
pub(crate) fn parse(body: &[u8]) -> Posted {
    let mut posted = Posted::default();
    let mut blocks: Vec<CameraInput> = Vec::new();
    let mut declared = 0usize;
    for (key, value) in form_urlencoded::parse(body) {
        let value = value.into_owned();
        let input = &mut posted.input;
        match key.as_ref() {
            "name" => input.name = value,
            "phone" => input.phone = value,
            "email" => input.email = value,
            "language" => input.language = value,
            "contact_method" => input.contact_method = value,
            "kind" => input.kind = value,
            "business_name" => input.business_name = value,
            "address" => input.address = value,
            "latitude" => input.latitude = value,
            "longitude" => input.longitude = value,
            "consent" => input.consent = value == "yes",
            "website" => posted.honeypot = value,
            "csrf" => posted.csrf = value,
            "cameras" => declared = value.trim().parse().unwrap_or(1),
            "action" => {
                posted.action = match value.as_str() {
                    "submit" => Some(Action::Submit),
                    "add_camera" => Some(Action::AddCamera),
                    "pause" => Some(Action::Pause),
                    "resume" => Some(Action::Resume),
                    "opt_out" => Some(Action::OptOut),
                    other => other
                        .strip_prefix("remove_camera-")
                        .and_then(|n| n.parse().ok())
                        .map(Action::RemoveCamera),
                }
            }
            other => {
                let Some((index, field)) = other
                    .strip_prefix("camera-")
                    .and_then(|rest| rest.split_once('-'))
                    .and_then(|(i, f)| Some((i.parse::<usize>().ok()?, f)))
                else {
                    continue;
                };
                if index >= MAX_BLOCKS {
                    declared = declared.max(index + 1);
                    continue;
                }
                if blocks.len() <= index {
                    blocks.resize_with(index + 1, CameraInput::default);
                }
                let camera = &mut blocks[index];
                match field {
                    "placement" => camera.placement = value,
                    "views" => camera.views.push(value),
                    "facing" => camera.facing = value,
                    "retention_days" => camera.retention_days = value,
                    "recording_mode" => camera.recording_mode = value,
                    "can_export" => camera.can_export = value,
                    "notes" => camera.notes = value,
                    _ => {}
                }
            }
        }
    }
    // Blocks declared but sent empty (a browser sends no field for an unticked box) still count.
    let count = declared.max(blocks.len()).clamp(1, MAX_BLOCKS + 1);
    blocks.resize_with(count.min(MAX_BLOCKS), CameraInput::default);
    if count > MAX_BLOCKS {
        // Far too many: keep the count visible to validation without holding them all.
        blocks.push(CameraInput::default());
    }
    posted.input.cameras = blocks;
    posted
}

/// A problem in `language`, with the limits it names.
pub(crate) fn say(settings: &PublicSettings, language: Language, problem: Problem) -> String {
    let m = &settings.messages;
    match problem {
        Problem::Required => m.get(language, "problem-required"),
        Problem::TooLong { max } => {
            m.format(language, "problem-too-long", &[("max", &max.to_string())])
        }
        Problem::Markup => m.get(language, "problem-markup"),
        Problem::Phone => m.get(language, "problem-phone"),
        Problem::Email => m.get(language, "problem-email"),
        Problem::Choice => m.get(language, "problem-choice"),
        Problem::Facing => m.get(language, "problem-facing"),
        Problem::Retention => m.get(language, "problem-retention"),
        Problem::Coordinates => m.get(language, "problem-coordinates"),
        Problem::TooManyCameras => m.format(
            language,
            "problem-too-many-cameras",
            &[("max", &canvass_model::submission::MAX_CAMERAS.to_string())],
        ),
        Problem::NoCameras => m.get(language, "problem-no-cameras"),
        Problem::Consent => m.get(language, "problem-consent"),
        Problem::PhoneForMethod => m.get(language, "problem-phone-for-method"),
    }
}

/// Everything a form page shows besides the typed values.
#[derive(Debug, Clone, Default)]
pub(crate) struct Feedback {
    /// (field name, message) pairs.
    pub fields: Vec<(String, String)>,
    /// A message above the form (expired form, rate limit, …).
    pub banner: Option<String>,
}

impl Feedback {
    /// Just a message above the form.
    pub fn banner(text: String) -> Self {
        Feedback {
            fields: Vec::new(),
            banner: Some(text),
        }
    }

    /// From validation problems.
    pub fn from_errors(
        settings: &PublicSettings,
        language: Language,
        errors: &[FieldError],
    ) -> Self {
        Feedback {
            fields: errors
                .iter()
                .map(|e| (e.field.clone(), say(settings, language, e.problem)))
                .collect(),
            banner: None,
        }
    }

    fn for_field(&self, field: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }
}

/// Writes form fields. Each field gets a label, its hint and its error linked by
/// `aria-describedby`, and `aria-invalid` when refused.
struct Writer<'a> {
    out: String,
    settings: &'a PublicSettings,
    language: Language,
    feedback: &'a Feedback,
}

impl Writer<'_> {
    fn t(&self, id: &str) -> String {
        escape(&self.settings.messages.get(self.language, id))
    }

    fn described(&self, field: &str, hint: Option<&str>) -> (String, String) {
        let mut ids = Vec::new();
        let mut html = String::new();
        if let Some(hint) = hint {
            ids.push(format!("{field}-hint"));
            html.push_str(&format!(
                "<p class=\"hint\" id=\"{field}-hint\">{}</p>",
                self.t(hint)
            ));
        }
        let mut attributes = String::new();
        if let Some(error) = self.feedback.for_field(field) {
            ids.push(format!("{field}-error"));
            html.push_str(&format!(
                "<p class=\"error\" id=\"{field}-error\">{}</p>",
                escape(error)
            ));
            attributes.push_str(" aria-invalid=\"true\"");
        }
        if !ids.is_empty() {
            attributes.push_str(&format!(" aria-describedby=\"{}\"", ids.join(" ")));
        }
        (html, attributes)
    }

    #[allow(clippy::too_many_arguments)]
    fn input(
        &mut self,
        field: &str,
        label: &str,
        kind: &str,
        value: &str,
        hint: Option<&str>,
        extra: &str,
    ) {
        let (notes, attributes) = self.described(field, hint);
        let value: String = value.chars().take(KEEP_CHARS).collect();
        self.out.push_str(&format!(
            "<label for=\"{field}\">{}</label>{notes}\
             <input type=\"{kind}\" id=\"{field}\" name=\"{field}\" value=\"{}\"{attributes}{extra}>",
            self.t(label),
            escape(&value)
        ));
    }

    fn select(&mut self, field: &str, label: &str, options: &[(&str, String)], value: &str) {
        let (notes, attributes) = self.described(field, None);
        self.out.push_str(&format!(
            "<label for=\"{field}\">{}</label>{notes}<select id=\"{field}\" name=\"{field}\"{attributes}>",
            self.t(label)
        ));
        for (option, text) in options {
            let selected = if *option == value { " selected" } else { "" };
            self.out.push_str(&format!(
                "<option value=\"{}\"{selected}>{}</option>",
                escape(option),
                escape(text)
            ));
        }
        self.out.push_str("</select>");
    }

    fn radios(&mut self, field: &str, legend: &str, options: &[(&str, String)], value: &str) {
        let (notes, attributes) = self.described(field, None);
        self.out.push_str(&format!(
            "<fieldset{attributes}><legend>{}</legend>{notes}",
            self.t(legend)
        ));
        for (option, text) in options {
            let checked = if *option == value { " checked" } else { "" };
            self.out.push_str(&format!(
                "<label class=\"choice\"><input type=\"radio\" name=\"{field}\" value=\"{}\"{checked}> {}</label>",
                escape(option),
                escape(text)
            ));
        }
        self.out.push_str("</fieldset>");
    }

    fn options<T: Copy>(
        &self,
        values: &[T],
        name: impl Fn(T) -> &'static str,
        prefix: &str,
    ) -> Vec<(&'static str, String)> {
        values
            .iter()
            .map(|v| {
                let id = name(*v);
                (
                    id,
                    self.settings
                        .messages
                        .get(self.language, &format!("{prefix}-{id}")),
                )
            })
            .collect()
    }
}

/// The registration form with `input`'s values and `feedback`.
pub(crate) fn registration_form(
    settings: &PublicSettings,
    language: Language,
    input: &SubmissionInput,
    feedback: &Feedback,
    csrf: &str,
    action: &str,
    map_centre: Option<LonLat>,
) -> String {
    let mut w = Writer {
        out: String::new(),
        settings,
        language,
        feedback,
    };
    if !feedback.fields.is_empty() || feedback.banner.is_some() {
        w.out
            .push_str("<div class=\"summary\" role=\"alert\" tabindex=\"-1\" id=\"problems\">");
        if let Some(banner) = &feedback.banner {
            w.out.push_str(&format!("<p>{}</p>", escape(banner)));
        }
        if !feedback.fields.is_empty() {
            w.out
                .push_str(&format!("<p>{}</p><ul>", w.t("register-errors")));
            for (field, message) in &feedback.fields {
                w.out.push_str(&format!(
                    "<li><a href=\"#{}\">{}</a></li>",
                    escape(field),
                    escape(message)
                ));
            }
            w.out.push_str("</ul>");
        }
        w.out.push_str("</div>");
    }
    w.out.push_str(&format!(
        "<form method=\"post\" action=\"{}\" novalidate>\
         <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
         <input type=\"hidden\" name=\"cameras\" value=\"{}\">\
         <div class=\"hp\" aria-hidden=\"true\"><label for=\"website\">{}</label>\
         <input type=\"text\" id=\"website\" name=\"website\" tabindex=\"-1\" autocomplete=\"off\"></div>",
        escape(action),
        escape(csrf),
        input.cameras.len().max(1),
        w.t("field-website"),
    ));

    w.out.push_str(&format!("<h2>{}</h2>", w.t("section-you")));
    w.input(
        "name",
        "field-name",
        "text",
        &input.name,
        None,
        " autocomplete=\"name\" maxlength=\"200\"",
    );
    w.input(
        "email",
        "field-email",
        "email",
        &input.email,
        Some("field-email-hint"),
        " autocomplete=\"email\" inputmode=\"email\"",
    );
    w.input(
        "phone",
        "field-phone",
        "tel",
        &input.phone,
        Some("field-phone-hint"),
        " autocomplete=\"tel\" inputmode=\"tel\"",
    );
    let methods = vec![
        ("email", settings.messages.get(language, "contact-email")),
        ("phone", settings.messages.get(language, "contact-phone")),
        ("text", settings.messages.get(language, "contact-text")),
    ];
    w.radios(
        "contact_method",
        "field-contact-method",
        &methods,
        or(&input.contact_method, "email"),
    );
    let languages = vec![("en", "English".to_owned()), ("es", "Español".to_owned())];
    w.select(
        "language",
        "field-language",
        &languages,
        or(&input.language, language.as_str()),
    );

    w.out
        .push_str(&format!("<h2>{}</h2>", w.t("section-place")));
    let kinds = vec![
        (
            "residence",
            settings.messages.get(language, "kind-residence"),
        ),
        ("business", settings.messages.get(language, "kind-business")),
    ];
    w.radios("kind", "field-kind", &kinds, or(&input.kind, "residence"));
    w.input(
        "business_name",
        "field-business-name",
        "text",
        &input.business_name,
        None,
        " autocomplete=\"organization\" maxlength=\"200\"",
    );
    w.input(
        "address",
        "field-address",
        "text",
        &input.address,
        Some("field-address-hint"),
        " autocomplete=\"street-address\" maxlength=\"200\"",
    );
    let map = map_centre
        .map(|at| {
            format!(
                "<div id=\"pin-map\" hidden data-center=\"{:.6},{:.6}\"></div>",
                at.lon(),
                at.lat()
            )
        })
        .unwrap_or_default();
    w.out.push_str(&format!(
        "<fieldset><legend>{}</legend><p class=\"hint\">{}</p>{map}",
        w.t("field-pin"),
        w.t("field-pin-hint")
    ));
    w.input(
        "latitude",
        "field-latitude",
        "text",
        &input.latitude,
        None,
        " inputmode=\"decimal\"",
    );
    w.input(
        "longitude",
        "field-longitude",
        "text",
        &input.longitude,
        None,
        " inputmode=\"decimal\"",
    );
    w.out.push_str("</fieldset>");

    w.out
        .push_str(&format!("<h2>{}</h2>", w.t("section-cameras")));
    if let Some(error) = feedback.for_field("cameras") {
        w.out.push_str(&format!(
            "<p class=\"error\" id=\"cameras\">{}</p>",
            escape(error)
        ));
    }
    let placements = w.options(Placement::ALL, Placement::as_str, "placement");
    let recordings = w.options(RecordingMode::ALL, RecordingMode::as_str, "recording");
    let exports = w.options(CanExport::ALL, CanExport::as_str, "export");
    let mut facings = vec![("", settings.messages.get(language, "facing-unknown"))];
    facings.extend(COMPASS.iter().map(|(point, _)| {
        (
            *point,
            settings.messages.get(language, &format!("facing-{point}")),
        )
    }));
    for (i, camera) in input.cameras.iter().enumerate() {
        let number = (i + 1).to_string();
        w.out.push_str(&format!(
            "<fieldset class=\"camera\"><legend>{}</legend>",
            escape(
                &settings
                    .messages
                    .format(language, "camera-heading", &[("number", &number)])
            )
        ));
        w.radios(
            &camera_field(i, "placement"),
            "field-placement",
            &placements,
            &camera.placement,
        );
        let views_field = camera_field(i, "views");
        let (notes, attributes) = w.described(&views_field, None);
        w.out.push_str(&format!(
            "<fieldset id=\"{views_field}\"{attributes}><legend>{}</legend>{notes}",
            w.t("field-views")
        ));
        for view in View::ALL {
            let checked = if camera.views.iter().any(|v| v == view.as_str()) {
                " checked"
            } else {
                ""
            };
            w.out.push_str(&format!(
                "<label class=\"choice\"><input type=\"checkbox\" name=\"{views_field}\" value=\"{}\"{checked}> {}</label>",
                view.as_str(),
                w.t(&format!("view-{}", view.as_str()))
            ));
        }
        w.out.push_str("</fieldset>");
        // A facing typed in degrees (from an import, say) is offered back as typed.
        let mut facing_options = facings.clone();
        if !camera.facing.is_empty() && !COMPASS.iter().any(|(p, _)| *p == camera.facing) {
            facing_options.push(("", camera.facing.chars().take(20).collect()));
        }
        w.select(
            &camera_field(i, "facing"),
            "field-facing",
            &facing_options,
            &camera.facing,
        );
        if !camera.facing.is_empty() && !COMPASS.iter().any(|(p, _)| *p == camera.facing) {
            // Keep the typed degrees as a hidden value so that nothing is lost.
            w.out.push_str(&format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                camera_field(i, "facing"),
                escape(&camera.facing.chars().take(20).collect::<String>())
            ));
        }
        w.input(
            &camera_field(i, "retention_days"),
            "field-retention",
            "number",
            &camera.retention_days,
            None,
            " inputmode=\"numeric\" min=\"0\" max=\"3650\"",
        );
        w.radios(
            &camera_field(i, "recording_mode"),
            "field-recording",
            &recordings,
            &camera.recording_mode,
        );
        w.radios(
            &camera_field(i, "can_export"),
            "field-export",
            &exports,
            &camera.can_export,
        );
        let notes_field = camera_field(i, "notes");
        let (notes, attributes) = w.described(&notes_field, None);
        let kept: String = camera.notes.chars().take(KEEP_CHARS).collect();
        w.out.push_str(&format!(
            "<label for=\"{notes_field}\">{}</label>{notes}<textarea id=\"{notes_field}\" name=\"{notes_field}\" rows=\"2\" maxlength=\"1000\"{attributes}>{}</textarea>",
            w.t("field-notes"),
            escape(&kept)
        ));
        if input.cameras.len() > 1 {
            w.out.push_str(&format!(
                "<div class=\"actions\"><button class=\"secondary\" name=\"action\" value=\"remove_camera-{i}\">{}</button></div>",
                w.t("camera-remove")
            ));
        }
        w.out.push_str("</fieldset>");
    }
    w.out.push_str(&format!(
        "<div class=\"actions\"><button class=\"secondary\" name=\"action\" value=\"add_camera\">{}</button></div>",
        w.t("camera-add")
    ));
    let consent_text = settings.consent_text(language);
    let (notes, attributes) = w.described("consent", None);
    let checked = if input.consent { " checked" } else { "" };
    w.out.push_str(&format!(
        "{notes}<label class=\"choice\" for=\"consent\"><input type=\"checkbox\" id=\"consent\" name=\"consent\" value=\"yes\"{checked}{attributes}> {}</label>",
        escape(&settings.messages.format(language, "field-consent", &[("consent", &consent_text)]))
    ));
    w.out.push_str(&format!(
        "<div class=\"actions\"><button name=\"action\" value=\"submit\">{}</button></div></form>",
        w.t("register-submit")
    ));
    w.out
}

fn or<'a>(value: &'a str, default: &'a str) -> &'a str {
    if value.is_empty() { default } else { value }
}

/// Largest registration form body read. Far beyond any real form (20 cameras with long notes
/// is under 64 KiB), so that an oversized field is refused beside its field with everything
/// else kept; a body beyond even this is refused whole.
pub(crate) const FORM_BODY_LIMIT: usize = 4 << 20;

/// Reads a form body up to [`FORM_BODY_LIMIT`]; `None` when it is larger.
pub(crate) async fn read_form(body: Body) -> Option<axum::body::Bytes> {
    axum::body::to_bytes(body, FORM_BODY_LIMIT).await.ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_repeated_views_and_camera_blocks() {
        let body = b"name=Ana&cameras=2&camera-0-views=street&camera-0-views=yard&camera-1-placement=interior&action=remove_camera-1&consent=yes";
        let posted = parse(body);
        assert_eq!(posted.input.name, "Ana");
        assert_eq!(posted.input.cameras.len(), 2);
        assert_eq!(posted.input.cameras[0].views, vec!["street", "yard"]);
        assert_eq!(posted.input.cameras[1].placement, "interior");
        assert_eq!(posted.action, Some(Action::RemoveCamera(1)));
        assert!(posted.input.consent);
    }

    #[test]
    fn a_flood_of_camera_blocks_is_counted_not_kept() {
        let mut body = String::from("cameras=100000");
        for i in 0..60 {
            body.push_str(&format!("&camera-{i}-placement=exterior"));
        }
        let posted = parse(body.as_bytes());
        assert_eq!(posted.input.cameras.len(), MAX_BLOCKS + 1);
    }
}
