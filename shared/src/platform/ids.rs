//! Identifiers: ULIDs sort by creation time, which keeps audit and seat
//! listings in chronological order without an extra attribute.

pub fn new_id() -> String {
    ulid::Ulid::new().to_string()
}
