//! The public pages' frame: the department's name and logo, a visible language switch, the
//! contact line, and the stylesheet (mobile first, WCAG AA contrast, visible focus).

use canvass_model::Language;

use super::settings::PublicSettings;
use crate::http::page::escape;

/// The stylesheet at `/static/canvass.css`. Colours: text #1a1a1a on #ffffff (17:1), links and
/// buttons #0b4f8a (8.6:1 on white; white on it 8.6:1), errors #a4000f (8.4:1).
pub(crate) const STYLESHEET: &str = "\
*{box-sizing:border-box}\
body{margin:0;font:1.0625rem/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1a1a1a;background:#fff}\
a{color:#0b4f8a}\
a:focus,button:focus,input:focus,select:focus,textarea:focus,summary:focus{outline:3px solid #e08a00;outline-offset:2px}\
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem}\
header{display:flex;align-items:center;gap:.75rem;justify-content:space-between;padding:.75rem 1rem;border-bottom:4px solid #0b4f8a}\
header .brand{display:flex;align-items:center;gap:.6rem;font-weight:700;line-height:1.2}\
header img{width:44px;height:44px}\
header .lang{white-space:nowrap;font-weight:600}\
main{max-width:40rem;margin:0 auto;padding:1rem}\
h1{font-size:1.6rem;line-height:1.2;margin:.5rem 0 1rem}\
h2{font-size:1.25rem;margin:1.5rem 0 .5rem}\
fieldset{border:1px solid #8a8a8a;border-radius:6px;margin:0 0 1rem;padding:.75rem}\
legend{font-weight:700;padding:0 .25rem}\
label{display:block;font-weight:600;margin:.75rem 0 .25rem}\
label.choice{display:flex;align-items:center;gap:.5rem;font-weight:400;margin:.35rem 0}\
input[type=text],input[type=email],input[type=tel],input[type=number],select,textarea{width:100%;font:inherit;padding:.55rem;border:1px solid #5a5a5a;border-radius:4px;background:#fff;color:#1a1a1a}\
input[type=checkbox],input[type=radio]{width:1.35rem;height:1.35rem;flex:none}\
.hint{color:#4a4a4a;font-size:.95rem;margin:.1rem 0}\
.error{color:#a4000f;font-weight:600;margin:.25rem 0}\
[aria-invalid=true]{border:2px solid #a4000f}\
.summary{border:3px solid #a4000f;padding:.75rem;border-radius:6px;margin-bottom:1rem}\
button,.button{display:inline-block;font:inherit;font-weight:700;padding:.7rem 1.1rem;border:0;border-radius:6px;background:#0b4f8a;color:#fff;text-decoration:none;cursor:pointer;min-height:44px}\
button.secondary{background:#fff;color:#0b4f8a;border:2px solid #0b4f8a}\
button.danger{background:#a4000f}\
.actions{display:flex;flex-wrap:wrap;gap:.75rem;margin:1rem 0}\
.notice{background:#e8f1fa;border-left:6px solid #0b4f8a;padding:.75rem}\
.hp{position:absolute;left:-9999px;width:1px;height:1px;overflow:hidden}\
#pin-map{height:260px;margin:.5rem 0;border:1px solid #5a5a5a;border-radius:4px}\
table{border-collapse:collapse;margin:.5rem 0;font-size:.875rem}\
th,td{border-bottom:1px solid #d0d0d0;padding:.25rem .45rem;text-align:left;vertical-align:top;white-space:nowrap}\
.scroll{overflow-x:auto}\
thead th{background:#eef3f8;border-bottom:2px solid #0b4f8a;white-space:normal;vertical-align:bottom}\
main:has(table){max-width:none}\
footer{max-width:40rem;margin:2rem auto;padding:1rem;border-top:1px solid #ccc;color:#4a4a4a;font-size:.95rem}\
@media (min-width:48rem){main{padding:1.5rem}}\
";

/// A whole public page in `language`; `body` must already be escaped. `path_for_switch` is
/// the page's own path (the switch link adds `?lang=`).
pub(crate) fn public_page(
    settings: &PublicSettings,
    language: Language,
    title: &str,
    body: &str,
    path_for_switch: &str,
    scripts: &[&str],
) -> String {
    let messages = &settings.messages;
    let other = match language {
        Language::En => Language::Es,
        Language::Es => Language::En,
    };
    let logo = if settings.department.logo.is_some() {
        "<img src=\"/static/logo\" alt=\"\">"
    } else {
        ""
    };
    let footer = messages.format(
        language,
        "footer-contact",
        &[
            ("phone", &settings.department.phone),
            ("email", &settings.department.email),
        ],
    );
    let mut scripts: String = scripts
        .iter()
        .map(|src| format!("<script src=\"{}\" defer></script>", escape(src)))
        .collect();
    if !scripts.is_empty() {
        scripts.push_str("<link rel=\"stylesheet\" href=\"/static/vendor/maplibre-gl.css\">");
    }
    format!(
        "<!doctype html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · {department}</title>\
         <link rel=\"stylesheet\" href=\"/static/canvass.css\">{scripts}</head><body>\
         <a class=\"skip\" href=\"#main\">{skip}</a>\
         <header><a class=\"brand\" href=\"/?lang={lang}\">{logo}<span>{department}<br>\
         <small>{site}</small></span></a>\
         <a class=\"lang\" lang=\"{other}\" hreflang=\"{other}\" href=\"{path}?lang={other}\">{switch}</a></header>\
         <main id=\"main\">{body}</main><footer>{footer}</footer></body></html>\n",
        lang = language.as_str(),
        title = escape(title),
        department = escape(&settings.department.name),
        skip = escape(&messages.get(language, "skip-to-content")),
        site = escape(&messages.get(language, "site-title")),
        other = other.as_str(),
        path = escape(path_for_switch),
        switch = escape(&messages.get(language, "language-switch")),
        footer = escape(&footer),
    )
}
