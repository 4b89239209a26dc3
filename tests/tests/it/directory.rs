//! The directory's geo search on DynamoDB Local: on 10,000 businesses, its
//! results equal a brute-force distance filter over the same data, for
//! random centers and radii (near the poles and the antimeridian too),
//! across pages; filters, the caller's exclusion and bad inputs.

use std::collections::BTreeSet;

use functions::handlers::partners_directory;
use integration_tests::*;
use serde_json::Value;
use shared::businesses::domain::{Business, GeoLocation};
use shared::businesses::store;
use shared::http::serve::dispatch;

/// A small deterministic stream (the same data every run).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Clusters where searches land: a city, the antimeridian, near each pole.
const CLUSTERS: [(f64, f64); 4] = [(45.50, -73.57), (-16.5, 179.6), (88.5, 20.0), (-87.9, -140.0)];

fn business(i: usize, rng: &mut Rng) -> Business {
    let (clat, clng) = CLUSTERS[i % CLUSTERS.len()];
    let lat = (clat + (rng.next() - 0.5) * 3.0).clamp(-90.0, 90.0);
    let lng = clng + (rng.next() - 0.5) * 8.0;
    let lng = if lng >= 180.0 {
        lng - 360.0
    } else if lng < -180.0 {
        lng + 360.0
    } else {
        lng
    };
    Business {
        business_id: format!("b{i:05}"),
        name: format!("Shop {i}"),
        category: ["cafe", "books", "gym"][i % 3].into(),
        categories: vec![["cafe", "books", "gym"][i % 3].into()],
        location: GeoLocation { lat, lng },
        address: String::new(),
        available_for_partnership: i % 5 != 0,
        rating_sum: (i % 6) as u64,
        review_count: u64::from(i % 6 != 0),
        loyal_customer_count: 0,
        partnership_count: 0,
        owner_user_id: "seed".into(),
        stripe_account_id: None,
        created_at: "2026-03-10T12:00:00Z".into(),
        updated_at: "2026-03-10T12:00:00Z".into(),
    }
}

/// Great-circle distance by the vector (chord) formula: independent of the
/// haversine the service uses.
fn chord_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let v = |(lat, lng): (f64, f64)| {
        let (p, l) = (lat.to_radians(), lng.to_radians());
        (p.cos() * l.cos(), p.cos() * l.sin(), p.sin())
    };
    let (x1, y1, z1) = v(a);
    let (x2, y2, z2) = v(b);
    let chord = ((x1 - x2).powi(2) + (y1 - y2).powi(2) + (z1 - z2).powi(2)).sqrt();
    2.0 * 6371.0088 * (chord / 2.0).min(1.0).asin()
}

async fn search(env: &TestEnv, bearer: &str, query: &str) -> Vec<Value> {
    let (mut rows, mut cursor) = (Vec::new(), None::<String>);
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/partners/directory?{query}&limit=50&cursor={c}"),
            None => format!("/api/v1/partners/directory?{query}&limit=50"),
        };
        let r = reply(
            dispatch(
                env.app.clone(),
                unsigned("GET", &path, &[("authorization", bearer.to_string())], None),
                partners_directory::handle,
            )
            .await,
        );
        assert_eq!(r.status, 200, "{path}: {}", r.json);
        rows.extend(r.json["partners"].as_array().unwrap().iter().cloned());
        match r.json["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return rows,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn geo_search_equals_a_brute_force_filter_on_ten_thousand_businesses() {
    let issuer = Issuer::start().await;
    let env = env_trusting(&issuer).await;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let all: Vec<Business> = (0..10_000).map(|i| business(i, &mut rng)).collect();
    store::bulk_load(&env.app, &all).await.unwrap();
    // The caller is one of them: never in its own results.
    let caller = "b00000";
    let bearer = issuer.bearer(caller, "staff", env.now());
    for round in 0..24 {
        // Rate limit: a fresh window every few searches.
        env.clock.advance(time::Duration::seconds(61));
        let bearer = if round % 4 == 0 { issuer.bearer(caller, "staff", env.now()) } else { bearer.clone() };
        let (clat, clng) = CLUSTERS[round % CLUSTERS.len()];
        let center = ((clat + (rng.next() - 0.5) * 2.0).clamp(-90.0, 90.0), {
            let l = clng + (rng.next() - 0.5) * 4.0;
            if l >= 180.0 {
                l - 360.0
            } else if l < -180.0 {
                l + 360.0
            } else {
                l
            }
        });
        let radius = [0.5, 3.0, 15.0, 40.0, 100.0][round % 5] * (0.5 + rng.next() / 2.0);
        let rows = search(&env, &bearer, &format!("lat={}&lng={}&radiusKm={radius}", center.0, center.1)).await;
        let got: Vec<String> = rows.iter().map(|r| r["businessId"].as_str().unwrap().to_string()).collect();
        let distances: Vec<f64> = rows.iter().map(|r| r["distanceKm"].as_f64().unwrap()).collect();
        assert!(distances.windows(2).all(|w| w[0] <= w[1]), "nearest first");
        let got: BTreeSet<String> = got.into_iter().collect();
        assert_eq!(got.len(), rows.len(), "no partner twice across pages");
        assert!(!got.contains(caller));
        // Brute force, leaving out the few within a metre of the boundary.
        let near = |b: &Business| chord_km(center, (b.location.lat, b.location.lng));
        let inside: BTreeSet<String> = all
            .iter()
            .filter(|b| b.business_id != caller && near(b) < radius - 0.001)
            .map(|b| b.business_id.clone())
            .collect();
        let maybe: BTreeSet<String> = all
            .iter()
            .filter(|b| b.business_id != caller && near(b) <= radius + 0.001)
            .map(|b| b.business_id.clone())
            .collect();
        assert!(
            inside.is_subset(&got),
            "round {round}: missed {:?}",
            inside.difference(&got).take(5).collect::<Vec<_>>()
        );
        assert!(got.is_subset(&maybe), "round {round}: extra {:?}", got.difference(&maybe).take(5).collect::<Vec<_>>());
    }
}

#[tokio::test]
async fn filters_sorting_and_bad_inputs() {
    let issuer = Issuer::start().await;
    let env = env_trusting(&issuer).await;
    let mut rng = Rng(7);
    // 40 businesses within ~50 km of the center.
    let near: Vec<Business> = (0..40)
        .map(|i| {
            let mut b = business(i * 4, &mut rng);
            b.location = GeoLocation { lat: 45.5 + (rng.next() - 0.5) * 0.8, lng: -73.57 + (rng.next() - 0.5) * 1.0 };
            b
        })
        .collect();
    store::bulk_load(&env.app, &near).await.unwrap();
    let bearer = issuer.bearer("outsider", "owner", env.now());
    let base = "lat=45.5&lng=-73.57&radiusKm=100";
    let all = search(&env, &bearer, base).await;
    assert_eq!(all.len(), 40);
    let cafes = search(&env, &bearer, &format!("{base}&category=cafe")).await;
    assert!(!cafes.is_empty() && cafes.iter().all(|r| r["category"] == "cafe"));
    let open = search(&env, &bearer, &format!("{base}&availableForPartnership=true")).await;
    assert!(open.iter().all(|r| r["availableForPartnership"] == true) && open.len() < all.len());
    let good = search(&env, &bearer, &format!("{base}&minRating=4")).await;
    assert!(!good.is_empty() && good.iter().all(|r| r["rating"].as_f64().unwrap() >= 4.0));
    let by_rating = search(&env, &bearer, &format!("{base}&sort=rating")).await;
    assert!(by_rating.windows(2).all(|w| w[0]["rating"].as_f64() >= w[1]["rating"].as_f64()));
    let named = search(&env, &bearer, &format!("{base}&q=SHOP%201")).await;
    assert!(named.iter().all(|r| r["name"].as_str().unwrap().to_lowercase().contains("shop 1")));
    let miles = search(&env, &bearer, "lat=45.5&lng=-73.57&radiusMi=62").await;
    assert_eq!(miles.len(), all.len(), "62 mi is within 100 km of these");
    for (query, code) in [
        ("lng=-73.57", "INVALID_LOCATION"),
        ("lat=NaN&lng=-73.57", "INVALID_LOCATION"),
        ("lat=91&lng=0", "INVALID_LOCATION"),
        ("lat=45&lng=-181", "INVALID_LOCATION"),
        ("lat=45&lng=0&radiusKm=0", "INVALID_RADIUS"),
        ("lat=45&lng=0&radiusKm=100.5", "INVALID_RADIUS"),
        ("lat=45&lng=0&radiusKm=inf", "INVALID_RADIUS"),
        ("lat=45&lng=0&radiusKm=5&radiusMi=3", "INVALID_RADIUS"),
        ("lat=45&lng=0&sort=price", "INVALID_QUERY"),
        ("lat=45&lng=0&limit=51", "INVALID_LIMIT"),
        ("lat=45&lng=0&cursor=zz", "INVALID_CURSOR"),
    ] {
        let r = reply(
            dispatch(
                env.app.clone(),
                unsigned(
                    "GET",
                    &format!("/api/v1/partners/directory?{query}"),
                    &[("authorization", bearer.clone())],
                    None,
                ),
                partners_directory::handle,
            )
            .await,
        );
        assert_eq!((r.status, r.code()), (400, code), "{query}: {}", r.json);
    }
}
