//! Geo search on a key-value store, pure: which geohash cells cover a
//! circle, and distances on the sphere.
//!
//! Profiles are indexed by their precision-3 cell (the index partition,
//! ~156 km) and sorted by their full geohash, so any run of consecutive
//! cells of one precision (3 or finer) is one Query: partition = their
//! first 3 characters, sort keys from the first cell up to the cell after
//! the last. A search covers the circle's bounding box with the finest
//! precision whose cells make at most `TARGET_QUERIES` such runs (about 9
//! Queries), then keeps what is within the radius by haversine distance.

use std::collections::BTreeSet;

/// The mean Earth radius used for distances (IUGG), in km.
pub const EARTH_RADIUS_KM: f64 = 6371.0088;
/// The largest search radius: beyond it one search would read whole regions.
pub const MAX_RADIUS_KM: f64 = 100.0;
/// The precision of the index partition.
pub const PARTITION_PRECISION: usize = 3;
/// The precision profiles are sorted by.
pub const ITEM_PRECISION: usize = 9;
const TARGET_QUERIES: usize = 9;

/// The great-circle distance between two points, in km.
pub fn haversine_km(lat1: f64, lng1: f64, lat2: f64, lng2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let (dp, dl) = ((lat2 - lat1).to_radians(), (lng2 - lng1).to_radians());
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * a.sqrt().min(1.0).asin()
}

/// A point's geohash at `precision` (coordinates already validated).
pub fn cell_of(lat: f64, lng: f64, precision: usize) -> String {
    // The encoder takes [-180, 180) x [-90, 90]; 180 is the same meridian as -180.
    let lng = if lng >= 180.0 { lng - 360.0 } else { lng };
    geohash::encode(geohash::Coord { x: lng, y: lat }, precision).expect("validated coordinates encode")
}

/// A cell's size in degrees: (height, width).
fn cell_degrees(precision: usize) -> (f64, f64) {
    let bits = 5 * precision as u32;
    let (lng_bits, lat_bits) = (bits.div_ceil(2), bits / 2);
    (180.0 / f64::from(1u32 << lat_bits), 360.0 / f64::from(1u32 << lng_bits))
}

/// The box (south, north, west, east) around the circle, a little larger
/// (so rounding never loses an edge), clamped at the poles; at a pole, or
/// when it spans the globe, every longitude.
fn bounding_box(lat: f64, lng: f64, radius_km: f64) -> (f64, f64, f64, f64) {
    let margin = 1.000_001;
    let dlat = (radius_km / EARTH_RADIUS_KM).to_degrees() * margin;
    let (south, north) = ((lat - dlat).max(-90.0), (lat + dlat).min(90.0));
    let widest = south.abs().max(north.abs());
    let dlng = if widest >= 89.999 {
        180.0
    } else {
        ((radius_km / (EARTH_RADIUS_KM * widest.to_radians().cos())).to_degrees() * margin).min(180.0)
    };
    (south, north, lng - dlng, lng + dlng)
}

/// A run of consecutive cells (one precision, one index partition): one
/// Query, over the sort keys from `from` up to, not including, `before`
/// (the cell after the run; None when the run ends its partition).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellRange {
    pub from: String,
    pub before: Option<String>,
}

impl CellRange {
    /// The precision-3 cell its cells share: the index partition.
    pub fn partition(&self) -> &str {
        &self.from[..PARTITION_PRECISION.min(self.from.len())]
    }

    /// Whether a geohash (of at least the range's precision) is in it.
    pub fn contains(&self, hash: &str) -> bool {
        hash.starts_with(self.partition())
            && hash >= self.from.as_str()
            && self.before.as_deref().is_none_or(|b| hash < b)
    }
}

/// The most cells a search enumerates at one precision before it tries a
/// coarser one (they are merged into far fewer ranges).
const MAX_ENUMERATED: usize = 1024;

/// The Queries that read every point within `radius_km` of (`lat`,
/// `lng`): the finest precision whose covering cells, merged into runs of
/// consecutive geohashes (z-order keeps neighbours together), need at
/// most `TARGET_QUERIES` Queries. At 5 km that is usually precision 5 (a
/// dozen cells of ~4.9 km, a few runs) where single cells would have to
/// fall back to two precision-4 cells (~39 x 20 km): four to five times
/// the area read.
pub fn covering_ranges(lat: f64, lng: f64, radius_km: f64) -> Vec<CellRange> {
    let (south, north, west, east) = bounding_box(lat, lng, radius_km);
    for precision in (PARTITION_PRECISION..=6).rev() {
        if grid(south, north, west, east, precision).count() > MAX_ENUMERATED {
            continue;
        }
        let ranges = merged(&cells_in_box(south, north, west, east, precision));
        if ranges.len() <= TARGET_QUERIES {
            return ranges;
        }
    }
    merged(&cells_in_box(south, north, west, east, PARTITION_PRECISION))
}

/// The cell after `cell` at its precision, within its partition.
fn next_cell(cell: &str) -> Option<String> {
    const ALPHABET: &[u8] = b"0123456789bcdefghjkmnpqrstuvwxyz";
    let mut digits: Vec<u8> = cell.bytes().collect();
    for i in (PARTITION_PRECISION..digits.len()).rev() {
        let at = ALPHABET.iter().position(|c| *c == digits[i])?;
        if at + 1 < ALPHABET.len() {
            digits[i] = ALPHABET[at + 1];
            return String::from_utf8(digits).ok();
        }
        digits[i] = ALPHABET[0];
    }
    None
}

/// Sorted cells of one precision as runs of consecutive ones.
fn merged(cells: &[String]) -> Vec<CellRange> {
    let mut ranges: Vec<CellRange> = Vec::new();
    for cell in cells {
        match ranges.last_mut() {
            Some(run) if run.before.as_deref() == Some(cell.as_str()) => run.before = next_cell(cell),
            _ => ranges.push(CellRange { from: cell.clone(), before: next_cell(cell) }),
        }
    }
    ranges
}

/// The rows and columns of `precision`'s grid a box spans.
struct Grid {
    rows: std::ops::RangeInclusive<i64>,
    first_col: i64,
    span: i64,
    cols: i64,
    cell: (f64, f64),
}

impl Grid {
    fn count(&self) -> usize {
        usize::try_from((self.rows.end() - self.rows.start() + 1) * self.span).unwrap_or(usize::MAX)
    }
}

fn grid(south: f64, north: f64, west: f64, east: f64, precision: usize) -> Grid {
    let (h, w) = cell_degrees(precision);
    let rows = (180.0 / h) as i64;
    let cols = (360.0 / w) as i64;
    let row = |lat: f64| (((lat + 90.0) / h).floor() as i64).clamp(0, rows - 1);
    let col = |lng: f64| ((lng + 180.0) / w).floor() as i64;
    let (c0, c1) = (col(west), col(east));
    Grid { rows: row(south)..=row(north), first_col: c0, span: (c1 - c0 + 1).clamp(1, cols), cols, cell: (h, w) }
}

fn cells_in_box(south: f64, north: f64, west: f64, east: f64, precision: usize) -> Vec<String> {
    let g = grid(south, north, west, east, precision);
    let (h, w) = g.cell;
    let mut cells = BTreeSet::new();
    for r in g.rows.clone() {
        for k in 0..g.span {
            let c = (g.first_col + k).rem_euclid(g.cols);
            let (clat, clng) = (-90.0 + (r as f64 + 0.5) * h, -180.0 + (c as f64 + 0.5) * w);
            cells.insert(cell_of(clat, clng, precision));
        }
    }
    cells.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn distances_match_known_ones() {
        // Montréal to Toronto: about 504 km.
        let d = haversine_km(45.5017, -73.5673, 43.6532, -79.3832);
        assert!((d - 504.0).abs() < 2.0, "{d}");
        assert!(haversine_km(0.0, 179.99, 0.0, -179.99) < 2.3, "across the antimeridian");
        assert!(haversine_km(89.99, 0.0, 89.99, 180.0) < 2.3, "across the pole");
    }

    #[test]
    fn the_precision_follows_the_radius() {
        let small = covering_ranges(45.5, -73.6, 0.3);
        let large = covering_ranges(45.5, -73.6, 80.0);
        assert!(small.iter().all(|r| r.from.len() == 6) && small.len() <= 9, "{small:?}");
        assert!(large.iter().all(|r| r.from.len() <= 4) && large.len() <= 9, "{large:?}");
    }

    #[test]
    fn consecutive_cells_are_one_range_and_runs_stop_at_the_partition() {
        assert_eq!(next_cell("dr5ru").as_deref(), Some("dr5rv"));
        assert_eq!(next_cell("dr5rz").as_deref(), Some("dr5s0"));
        assert_eq!(next_cell("dr5zz"), None, "the next cell is in another partition");
        assert_eq!(next_cell("dr5"), None);
        let cells: Vec<String> =
            ["dr5ru", "dr5rv", "dr5rz", "dr5s0", "dr5zz", "dr60"].iter().map(|c| c.to_string()).collect();
        let ranges = merged(&cells);
        let spans: Vec<(&str, Option<&str>)> = ranges.iter().map(|r| (r.from.as_str(), r.before.as_deref())).collect();
        assert_eq!(
            spans,
            [("dr5ru", Some("dr5rw")), ("dr5rz", Some("dr5s1")), ("dr5zz", None), ("dr60", Some("dr61"))]
        );
        assert!(
            ranges[1].contains("dr5rzzzzz")
                && ranges[1].contains("dr5s0abcd")
                && !ranges[1].contains("dr5s1")
                && !ranges[1].contains("dr5ry")
        );
        assert_eq!(ranges[3].partition(), "dr6");
    }

    #[test]
    fn a_five_km_search_in_a_city_reads_precision_five_cells() {
        // Centres across a metro area (~0.4 degrees each way) at mid
        // latitudes: single cells would need precision 4 (~39 x 20 km)
        // wherever the box spans four precision-5 columns; runs keep
        // precision 5 (~4.9 km) within the 9 Queries.
        let mut fine = 0;
        let mut total = 0;
        for i in 0..40 {
            for j in 0..40 {
                let (lat, lng) = (45.3 + f64::from(i) * 0.01, -73.8 + f64::from(j) * 0.01);
                let ranges = covering_ranges(lat, lng, 5.0);
                assert!(ranges.len() <= TARGET_QUERIES, "{ranges:?}");
                total += 1;
                fine += usize::from(ranges.iter().all(|r| r.from.len() >= 5));
            }
        }
        assert!(fine * 10 >= total * 9, "{fine} of {total} searches at precision 5");
    }

    fn offset(lat: f64, lng: f64, km: f64, bearing_deg: f64) -> (f64, f64) {
        let (p1, l1, b, d) = (lat.to_radians(), lng.to_radians(), bearing_deg.to_radians(), km / EARTH_RADIUS_KM);
        let p2 = (p1.sin() * d.cos() + p1.cos() * d.sin() * b.cos()).asin();
        let l2 = l1 + (b.sin() * d.sin() * p1.cos()).atan2(d.cos() - p1.sin() * p2.sin());
        let lng2 = (l2.to_degrees() + 540.0).rem_euclid(360.0) - 180.0;
        (p2.to_degrees(), lng2)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        /// No point within the radius falls outside the covering ranges,
        /// anywhere: the poles and the antimeridian included.
        #[test]
        fn every_point_within_the_radius_is_in_a_covering_cell(
            lat in prop_oneof![-90.0f64..=90.0, 85.0f64..=90.0, -90.0f64..=-85.0],
            lng in prop_oneof![-180.0f64..180.0, 179.0f64..180.0, -180.0f64..-179.0],
            radius in 0.01f64..=MAX_RADIUS_KM,
            fraction in 0.0f64..=1.0,
            bearing in 0.0f64..360.0,
        ) {
            let ranges = covering_ranges(lat, lng, radius);
            let (plat, plng) = offset(lat, lng, radius * fraction, bearing);
            prop_assume!(haversine_km(lat, lng, plat, plng) <= radius);
            let hash = cell_of(plat, plng, ITEM_PRECISION);
            prop_assert!(ranges.iter().any(|r| r.contains(&hash)), "{hash} not in {ranges:?}");
        }
    }
}
