//! The sheet's map: an inline SVG of the search area drawn on the server from the imported
//! streets, the area's outline, the incident and the stops numbered in walking order. Greys,
//! dashes and white halos only, so that it reads in black-and-white print; its styles are in
//! the sheet's stylesheet (the security policy allows no inline style).

use std::fmt::Write as _;

use axum::http::StatusCode;
use canvass_db::canvasses::{Canvass, StoredArea};
use canvass_db::places::StreetLine;
use canvass_geo::LonLat;
use canvass_model::walk::{LocalProjection, Metres};
use serde_json::Value;

use crate::http::Refusal;
use crate::http::page::escape;

/// Most street lines drawn: main streets first, then the longest (the query's order). A 5 km
/// circle in a dense city holds tens of thousands of segments, which no printed map can show.
pub(crate) const MAX_STREETS: i64 = 1_500;

/// Width of the drawing in SVG units; its height follows the area's shape within these.
const WIDTH: f64 = 1_000.0;
const MIN_HEIGHT: f64 = 450.0;
const MAX_HEIGHT: f64 = 620.0;
/// The smallest span drawn, so that a canvass of one camera next to the incident still shows
/// its streets.
const MIN_SPAN_M: f64 = 150.0;
/// Room around the area, as a share of its span.
const MARGIN: f64 = 0.06;
/// Above this many stops the markers shrink, so that they overlap less.
const MANY_STOPS: usize = 150;
/// Most street names written on the map.
const MAX_LABELS: usize = 40;
/// Size of a street name, and the rough width of one of its characters, in drawing units.
const LABEL_FONT: f64 = 13.0;
const LABEL_CHAR_WIDTH: f64 = 7.0;

/// The search area's outline, decoded once.
#[derive(Debug, Clone)]
enum Outline {
    Circle { radius_m: f64 },
    Polygon { rings: Vec<Vec<LonLat>> },
    Route { line: Vec<LonLat>, buffer_m: f64 },
}

/// What the map shows and how it maps positions to the drawing.
#[derive(Debug, Clone)]
pub(crate) struct Frame {
    projection: LocalProjection,
    outline: Outline,
    /// South-west and north-east corners, metres from the incident.
    min: Metres,
    max: Metres,
    height: f64,
    /// Drawing units per metre.
    scale: f64,
}

fn unreadable_area() -> Refusal {
    Refusal::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "the canvass's stored area cannot be drawn",
    )
}

/// `[[lon, lat], …]` as checked positions.
fn positions(value: &Value) -> Result<Vec<LonLat>, Refusal> {
    value
        .as_array()
        .ok_or_else(unreadable_area)?
        .iter()
        .map(|p| {
            let lon = p.get(0).and_then(Value::as_f64);
            let lat = p.get(1).and_then(Value::as_f64);
            match (lon, lat) {
                (Some(lon), Some(lat)) => {
                    LonLat::new(lon, lat).map_err(|e| unreadable_area().caused_by(e))
                }
                _ => Err(unreadable_area()),
            }
        })
        .collect()
}

fn outline(area: &StoredArea) -> Result<Outline, Refusal> {
    Ok(match area {
        StoredArea::Radius { radius_m } | StoredArea::MissingPerson { radius_m, .. } => {
            Outline::Circle {
                radius_m: f64::from(*radius_m),
            }
        }
        StoredArea::Polygon { polygon } => Outline::Polygon {
            rings: polygon
                .get("coordinates")
                .and_then(Value::as_array)
                .ok_or_else(unreadable_area)?
                .iter()
                .map(positions)
                .collect::<Result<_, _>>()?,
        },
        StoredArea::Route { route, buffer_m } => Outline::Route {
            line: positions(route.get("coordinates").ok_or_else(unreadable_area)?)?,
            buffer_m: f64::from(*buffer_m),
        },
    })
}

impl Frame {
    /// The frame around the canvass's area, its incident and its cameras.
    pub(crate) fn new(canvass: &Canvass) -> Result<Frame, Refusal> {
        let projection = LocalProjection::new(canvass.incident);
        let outline = outline(&canvass.area)?;
        let origin = Metres { x: 0.0, y: 0.0 };
        let (mut min, mut max) = (origin, origin);
        let mut include = |p: Metres, pad: f64| {
            min.x = min.x.min(p.x - pad);
            min.y = min.y.min(p.y - pad);
            max.x = max.x.max(p.x + pad);
            max.y = max.y.max(p.y + pad);
        };
        for camera in &canvass.cameras {
            include(projection.project(camera.at), 0.0);
        }
        match &outline {
            Outline::Circle { radius_m } => include(origin, *radius_m),
            Outline::Polygon { rings } => {
                for p in rings.iter().flatten() {
                    include(projection.project(*p), 0.0);
                }
            }
            Outline::Route { line, buffer_m } => {
                for p in line {
                    include(projection.project(*p), *buffer_m);
                }
            }
        }
        // At least the smallest span, centred where the content is.
        for (lo, hi) in [(&mut min.x, &mut max.x), (&mut min.y, &mut max.y)] {
            let span = (*hi - *lo).max(MIN_SPAN_M) * (1.0 + 2.0 * MARGIN);
            let centre = (*hi + *lo) / 2.0;
            *lo = centre - span / 2.0;
            *hi = centre + span / 2.0;
        }
        let (span_x, span_y) = (max.x - min.x, max.y - min.y);
        let height = (WIDTH * span_y / span_x).clamp(MIN_HEIGHT, MAX_HEIGHT);
        let scale = (WIDTH / span_x).min(height / span_y);
        // Widen the other way so that the drawing is filled at one scale.
        let (extra_x, extra_y) = (WIDTH / scale - span_x, height / scale - span_y);
        min.x -= extra_x / 2.0;
        max.x += extra_x / 2.0;
        min.y -= extra_y / 2.0;
        max.y += extra_y / 2.0;
        Ok(Frame {
            projection,
            outline,
            min,
            max,
            height,
            scale,
        })
    }

    /// The south-west and north-east corners in longitude and latitude: the box of streets.
    pub(crate) fn bounds(&self) -> Result<(LonLat, LonLat), Refusal> {
        let corner = |m: Metres| {
            self.projection
                .unproject(m)
                .map_err(|e| unreadable_area().caused_by(e))
        };
        Ok((corner(self.min)?, corner(self.max)?))
    }

    /// Street detail finer than half a drawing unit is invisible: simplify to that, in
    /// degrees (of latitude, the larger of the two).
    pub(crate) fn simplify_tolerance_deg(&self) -> f64 {
        const METRES_PER_DEGREE: f64 = 111_195.08;
        0.5 / self.scale / METRES_PER_DEGREE
    }

    /// Drawing coordinates of a position (y down).
    fn xy(&self, at: LonLat) -> (f64, f64) {
        let m = self.projection.project(at);
        (
            (m.x - self.min.x) * self.scale,
            (self.max.y - m.y) * self.scale,
        )
    }

    /// Whether a drawing position is at least `margin` inside the drawing.
    fn inside(&self, (x, y): (f64, f64), margin: f64) -> bool {
        (margin..=WIDTH - margin).contains(&x) && (margin..=self.height - margin).contains(&y)
    }

    fn path(&self, out: &mut String, points: &[LonLat]) {
        for (i, p) in points.iter().enumerate() {
            let (x, y) = self.xy(*p);
            let _ = write!(out, "{}{x:.1} {y:.1}", if i == 0 { "M" } else { "L" });
        }
    }
}

/// A position in drawing units.
type Point = (f64, f64);

fn distance(a: Point, b: Point) -> f64 {
    (b.0 - a.0).hypot(b.1 - a.1)
}

/// Street names, upright, at most [`MAX_LABELS`], main streets first (the order the streets
/// come in). A name goes along the stretch [`label_run`] finds, at its left or bottom end.
fn labels(out: &mut String, frame: &Frame, streets: &[StreetLine]) {
    // Each name's pieces inside the drawing: a street comes as many rows, one per block.
    let mut names: Vec<(&str, Vec<(Point, Point)>)> = Vec::new();
    for class in ["primary", "secondary", "residential"] {
        for street in streets.iter().filter(|s| s.class == class) {
            let i = match names.iter().position(|(n, _)| *n == street.name) {
                Some(i) => i,
                None => {
                    names.push((&street.name, Vec::new()));
                    names.len() - 1
                }
            };
            for w in street.points.windows(2) {
                let (a, b) = (frame.xy(w[0]), frame.xy(w[1]));
                if frame.inside(a, 30.0) && frame.inside(b, 30.0) {
                    names[i].1.push((a, b));
                }
            }
        }
    }
    out.push_str("<g class=\"street-names\">");
    let mut written = 0;
    for (name, pieces) in &names {
        if written >= MAX_LABELS {
            break;
        }
        let needed = name.chars().count() as f64 * LABEL_CHAR_WIDTH + 20.0;
        let Some((mut a, mut b)) = label_run(pieces, needed) else {
            continue;
        };
        // Names of streets running east–west at their left end, of those running north–south
        // at their bottom end: along the map's edges, like a street index, off the centre.
        let across = (b.0 - a.0).abs() >= (b.1 - a.1).abs();
        if (across && b.0 < a.0) || (!across && b.1 > a.1) {
            std::mem::swap(&mut a, &mut b);
        }
        let length = distance(a, b);
        let along = (needed / 2.0) / length;
        let (x, y) = (a.0 + (b.0 - a.0) * along, a.1 + (b.1 - a.1) * along);
        let mut angle = (b.1 - a.1).atan2(b.0 - a.0).to_degrees();
        // Upright: never upside down.
        if angle > 90.0 {
            angle -= 180.0;
        } else if angle <= -90.0 {
            angle += 180.0;
        }
        let _ = write!(
            out,
            "<text x=\"{x:.1}\" y=\"{y:.1}\" font-size=\"{LABEL_FONT}\" text-anchor=\"middle\" \
             dominant-baseline=\"central\" transform=\"rotate({angle:.1} {x:.1} {y:.1})\">{}</text>",
            escape(name)
        );
        written += 1;
    }
    out.push_str("</g>");
}

/// The stretch of a street to write its name along, when one is long enough: the whole street
/// when it is straight (every piece on the line of its longest piece), else its longest piece.
fn label_run(pieces: &[(Point, Point)], needed: f64) -> Option<(Point, Point)> {
    let &(a, b) = pieces
        .iter()
        .max_by(|x, y| distance(x.0, x.1).total_cmp(&distance(y.0, y.1)))?;
    let length = distance(a, b);
    if length <= 0.0 {
        return None;
    }
    let (ux, uy) = ((b.0 - a.0) / length, (b.1 - a.1) / length);
    let ends = || pieces.iter().flat_map(|(p, q)| [*p, *q]);
    let straight = ends().all(|p| ((p.0 - a.0) * uy - (p.1 - a.1) * ux).abs() < 2.0);
    let run = if straight {
        let along = |p: Point| (p.0 - a.0) * ux + (p.1 - a.1) * uy;
        let low = ends().map(along).fold(f64::INFINITY, f64::min);
        let high = ends().map(along).fold(f64::NEG_INFINITY, f64::max);
        (
            (a.0 + ux * low, a.1 + uy * low),
            (a.0 + ux * high, a.1 + uy * high),
        )
    } else {
        (a, b)
    };
    (distance(run.0, run.1) >= needed).then_some(run)
}

/// A five-pointed star of outer radius `r` at `(x, y)`: the incident.
fn star(x: f64, y: f64, r: f64) -> String {
    let mut d = String::new();
    for k in 0..10 {
        let radius = if k % 2 == 0 { r } else { r * 0.45 };
        let angle = std::f64::consts::PI * f64::from(k) / 5.0;
        let _ = write!(
            d,
            "{}{:.1} {:.1}",
            if k == 0 { "M" } else { "L" },
            x + radius * angle.sin(),
            y - radius * angle.cos()
        );
    }
    d.push('Z');
    d
}

/// A round length for the scale bar: about a fifth of the map's width.
fn scale_length_m(width_m: f64) -> f64 {
    const STEPS: [f64; 11] = [
        10.0, 20.0, 50.0, 100.0, 200.0, 250.0, 500.0, 1_000.0, 2_000.0, 2_500.0, 5_000.0,
    ];
    STEPS
        .iter()
        .rev()
        .copied()
        .find(|s| *s <= width_m / 5.0)
        .unwrap_or(STEPS[0])
}

/// The map as an inline SVG element: `stops` are the stops' positions in walking order,
/// numbered from 1; `label` names the image for screen readers.
pub(crate) fn svg(frame: &Frame, streets: &[StreetLine], stops: &[LonLat], label: &str) -> String {
    let height = frame.height;
    let mut out = format!(
        "<svg class=\"map-image\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} \
         {height:.0}\" role=\"img\" aria-label=\"{}\"><rect class=\"map-frame\" x=\"0\" y=\"0\" \
         width=\"{WIDTH}\" height=\"{height:.0}\"/>",
        escape(label)
    );
    // The area's fill goes under the streets, its outline over them.
    let mut area = String::new();
    // The incident is the projection's origin.
    let (ix, iy) = (-frame.min.x * frame.scale, frame.max.y * frame.scale);
    match &frame.outline {
        Outline::Circle { radius_m } => {
            let _ = write!(
                area,
                "<circle cx=\"{ix:.1}\" cy=\"{iy:.1}\" r=\"{:.1}\"/>",
                radius_m * frame.scale
            );
        }
        Outline::Polygon { rings } => {
            area.push_str("<path fill-rule=\"evenodd\" d=\"");
            for ring in rings {
                frame.path(&mut area, ring);
                area.push('Z');
            }
            area.push_str("\"/>");
        }
        Outline::Route { line, buffer_m } => {
            // A buffer is a line's stroke as wide as the buffer on each side.
            area.push_str(
                "<path class=\"band\" stroke-linecap=\"round\" stroke-linejoin=\"round\" d=\"",
            );
            frame.path(&mut area, line);
            let _ = write!(
                area,
                "\" stroke-width=\"{:.1}\"/>",
                2.0 * buffer_m * frame.scale
            );
        }
    }
    let _ = write!(out, "<g class=\"area-fill\">{area}</g>");
    // Minor streets first, so that main streets are drawn over them.
    for class in ["service", "residential", "secondary", "primary"] {
        let mut d = String::new();
        for street in streets.iter().filter(|s| s.class == class) {
            frame.path(&mut d, &street.points);
        }
        if !d.is_empty() {
            let _ = write!(out, "<path class=\"street {class}\" d=\"{d}\"/>");
        }
    }
    labels(&mut out, frame, streets);
    let _ = write!(out, "<g class=\"area-line\">{area}</g>");
    if let Outline::Route { line, .. } = &frame.outline {
        out.push_str("<path class=\"route\" d=\"");
        frame.path(&mut out, line);
        out.push_str("\"/>");
    }
    if stops.len() > 1 {
        out.push_str("<path class=\"tour\" d=\"");
        frame.path(&mut out, stops);
        out.push_str("\"/>");
    }
    let _ = write!(
        out,
        "<path class=\"incident\" d=\"{}\"/>",
        star(ix, iy, 16.0)
    );
    let (radius, font) = if stops.len() > MANY_STOPS {
        (6.0, 7.0)
    } else {
        (13.0, 14.0)
    };
    out.push_str("<g class=\"stop-marks\">");
    for (i, at) in stops.iter().enumerate() {
        let (x, y) = frame.xy(*at);
        let _ = write!(
            out,
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{radius}\"/><text x=\"{x:.1}\" y=\"{y:.1}\" \
             font-size=\"{font}\" text-anchor=\"middle\" dominant-baseline=\"central\">{}</text>",
            i + 1
        );
    }
    out.push_str("</g>");
    // Scale bar, bottom left; north arrow, top right.
    let length_m = scale_length_m(WIDTH / frame.scale);
    let bar = length_m * frame.scale;
    let (bx, by) = (20.0, height - 24.0);
    let _ = write!(
        out,
        "<g class=\"scale-bar\"><rect class=\"halo\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" \
         height=\"30\"/><path d=\"M{bx} {:.1}V{by}H{:.1}V{:.1}\"/><text x=\"{:.1}\" y=\"{:.1}\" \
         font-size=\"13\">{length_m} m</text></g>",
        bx - 8.0,
        by - 20.0,
        bar + 70.0,
        by - 6.0,
        bx + bar,
        by - 6.0,
        bx + bar + 6.0,
        by + 1.0,
    );
    let nx = WIDTH - 30.0;
    let _ = write!(
        out,
        "<g class=\"north\"><path d=\"M{nx} 14L{:.1} 42L{nx} 35L{:.1} 42Z\"/><text x=\"{nx}\" \
         y=\"58\" font-size=\"14\" text-anchor=\"middle\">N</text></g></svg>",
        nx + 9.0,
        nx - 9.0,
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_straight_street_in_blocks_is_labelled_along_its_length() {
        let blocks = [
            ((0.0, 100.0), (50.0, 100.0)),
            ((50.0, 100.0), (100.0, 100.0)),
            ((100.0, 100.0), (150.0, 100.0)),
        ];
        assert_eq!(
            label_run(&blocks, 120.0),
            Some(((0.0, 100.0), (150.0, 100.0)))
        );
        assert_eq!(label_run(&blocks, 200.0), None, "too short for the name");
        let bent = [((0.0, 0.0), (60.0, 0.0)), ((60.0, 0.0), (60.0, 40.0))];
        assert_eq!(label_run(&bent, 50.0), Some(((0.0, 0.0), (60.0, 0.0))));
        assert_eq!(label_run(&[], 10.0), None);
    }

    #[test]
    fn scale_bar_lengths_are_round_and_fit() {
        assert_eq!(scale_length_m(700.0), 100.0);
        assert_eq!(scale_length_m(1_300.0), 250.0);
        assert_eq!(scale_length_m(11_000.0), 2_000.0);
        assert_eq!(scale_length_m(30.0), 10.0);
    }

    #[test]
    fn polygon_and_route_outlines_are_read_from_geojson() {
        let polygon = serde_json::json!({"type": "Polygon", "coordinates":
            [[[-122.0, 37.0], [-121.99, 37.0], [-121.99, 37.01], [-122.0, 37.0]]]});
        let Outline::Polygon { rings } = outline(&StoredArea::Polygon { polygon }).unwrap() else {
            panic!("not a polygon");
        };
        assert_eq!(rings.len(), 1);
        assert_eq!(rings[0].len(), 4);
        let broken = serde_json::json!({"type": "LineString", "coordinates": [["x", 1]]});
        let refused = outline(&StoredArea::Route {
            route: broken,
            buffer_m: 50.0,
        });
        assert!(refused.is_err());
    }
}
