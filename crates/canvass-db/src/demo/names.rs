//! Names: streets on the grid, owners in English and Spanish, kinds of business.

use super::city::GRID_HALF_LINES;

pub(super) fn street_name(i: usize, north_south: bool) -> String {
    const PRIMARY: [&str; 11] = [
        "Willow Pass Rd",
        "Clayton Rd",
        "Concord Blvd",
        "Monument Blvd",
        "Treat Blvd",
        "Ygnacio Valley Rd",
        "Oak Grove Rd",
        "Cowell Rd",
        "Bailey Rd",
        "Olivera Rd",
        "Galindo St",
    ];
    const NAMES: [&str; 40] = [
        "Oak",
        "Pine",
        "Maple",
        "Cedar",
        "Willow",
        "Elm",
        "Walnut",
        "Almond",
        "Olive",
        "Laurel",
        "Sycamore",
        "Magnolia",
        "Poplar",
        "Juniper",
        "Redwood",
        "Cypress",
        "Acacia",
        "Alder",
        "Aspen",
        "Birch",
        "Buckeye",
        "Madrone",
        "Manzanita",
        "Sequoia",
        "Palm",
        "Orchard",
        "Vineyard",
        "Mesa",
        "Sierra",
        "Del Monte",
        "Los Altos",
        "San Miguel",
        "Santa Rosa",
        "Las Juntas",
        "Buena Vista",
        "Alhambra",
        "Miramonte",
        "Solano",
        "Salvio",
        "Pacheco",
    ];
    let line = i as i32 - GRID_HALF_LINES;
    if line % 8 == 0 {
        let k = (line / 8 + 5) as usize + if north_south { 0 } else { 6 };
        return PRIMARY[k % PRIMARY.len()].to_owned() + if north_south { "" } else { " East" };
    }
    if north_south {
        let base = NAMES[i % NAMES.len()];
        let suffix = if line % 4 == 0 {
            "Ave"
        } else if i.is_multiple_of(3) {
            "Dr"
        } else {
            "St"
        };
        let quarter = if i >= NAMES.len() { " West" } else { "" };
        format!("{base}{quarter} {suffix}")
    } else {
        let n = i + 1;
        let ordinal = match (n % 10, n % 100) {
            (1, r) if r != 11 => "st",
            (2, r) if r != 12 => "nd",
            (3, r) if r != 13 => "rd",
            _ => "th",
        };
        format!("{n}{ordinal} {}", if line % 4 == 0 { "Ave" } else { "St" })
    }
}

pub(super) fn ascii_lower(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            'á' | 'Á' => Some('a'),
            'é' | 'É' => Some('e'),
            'í' | 'Í' => Some('i'),
            'ó' | 'Ó' => Some('o'),
            'ú' | 'Ú' => Some('u'),
            'ñ' | 'Ñ' => Some('n'),
            c if c.is_ascii_alphanumeric() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

pub(super) const FIRST_EN: [&str; 24] = [
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Wei",
    "Priya",
    "Minh",
    "Aisha",
    "Kenji",
    "Fatima",
];
pub(super) const LAST_EN: [&str; 20] = [
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson",
    "Taylor", "Thomas", "Moore", "Martin", "Jackson", "Thompson", "White", "Nguyen", "Chen",
    "Patel", "Kim",
];
pub(super) const FIRST_ES: [&str; 16] = [
    "José",
    "María",
    "Juan",
    "Guadalupe",
    "Luis",
    "Rosa",
    "Carlos",
    "Ana",
    "Jorge",
    "Carmen",
    "Miguel",
    "Lucía",
    "Francisco",
    "Elena",
    "Alejandro",
    "Sofía",
];
pub(super) const LAST_ES: [&str; 14] = [
    "García",
    "Rodríguez",
    "Martínez",
    "Hernández",
    "López",
    "González",
    "Pérez",
    "Sánchez",
    "Ramírez",
    "Torres",
    "Flores",
    "Rivera",
    "Gómez",
    "Díaz",
];
pub(super) const BUSINESS_KINDS: [&str; 8] = [
    "Hardware",
    "Market",
    "Auto Repair",
    "Bakery",
    "Pharmacy",
    "Dental",
    "Taquería",
    "Liquors",
];
