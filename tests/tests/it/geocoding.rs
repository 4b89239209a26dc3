//! The geocoding port's real client (Amazon Location's Places API, through
//! the AWS SDK) against a local server answering in the API's documented
//! format: `POST /v2/geocode`, SigV4-signed for `geo-places`, a JSON body
//! with `QueryText`; `ResultItems` with `Position` as [longitude,
//! latitude] and the pricing bucket in a header.

use std::sync::{Arc, Mutex};

use functions::handlers::geocode;
use integration_tests::*;
use serde_json::{json, Value};
use shared::businesses::geocoding::AmazonLocation;

/// The Places API as documented, for three addresses.
async fn places_server() -> (String, Arc<Mutex<Vec<Value>>>) {
    let seen: Arc<Mutex<Vec<Value>>> = Arc::default();
    let log = seen.clone();
    let url = stub_http::start_with_headers(Arc::new(move |head: &str, body: &[u8]| {
        let auth = stub_http::header(head, "authorization").unwrap_or_default();
        if !head.starts_with("POST /v2/geocode") || !auth.starts_with("AWS4-HMAC-SHA256") || !auth.contains("/geo-places/aws4_request") {
            return (403, vec![("x-amzn-errortype".into(), "AccessDeniedException".into())], json!({ "message": "not signed for geo-places" }).to_string());
        }
        let request: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        log.lock().unwrap().push(request.clone());
        let item = |id: &str, title: &str, label: &str, lng: f64, lat: f64| {
            json!({ "PlaceId": id, "PlaceType": "PointAddress", "Title": title, "Address": { "Label": label }, "Position": [lng, lat], "MatchScores": { "Overall": 0.97 } })
        };
        let bucket = vec![("x-amz-geo-pricing-bucket".to_string(), "Core".to_string())];
        match request["QueryText"].as_str().unwrap_or_default() {
            "1 Main St, Montreal" => (200, bucket, json!({ "ResultItems": [
                item("p1", "1 Main St", "1 Main St, Montreal, QC H2X 1A1, Canada", -73.5673, 45.5017),
                item("p2", "1 Main St", "1 Main St, Westmount, QC, Canada", -73.6, 45.48),
                // Without a usable position: left out.
                json!({ "PlaceId": "p3", "PlaceType": "Street", "Title": "Main St", "Position": [] }),
            ] }).to_string()),
            "boom" => (500, vec![("x-amzn-errortype".into(), "InternalServerException".into())], json!({ "message": "internal" }).to_string()),
            _ => (200, bucket, json!({ "ResultItems": [] }).to_string()),
        }
    }))
    .await;
    (url, seen)
}

async fn geocoder(url: &str) -> AmazonLocation {
    let sdk = shared::platform::aws::sdk_config().await;
    let retry = aws_config::retry::RetryConfig::standard()
        .with_max_attempts(2)
        .with_initial_backoff(std::time::Duration::from_millis(1));
    AmazonLocation::new(aws_sdk_geoplaces::Client::from_conf(
        aws_sdk_geoplaces::config::Builder::from(&sdk)
            .endpoint_url(url)
            .retry_config(retry)
            .interceptor(shared::platform::operations::OperationsRecorder)
            .build(),
    ))
}

#[tokio::test]
async fn an_address_becomes_candidate_points_from_amazon_location() {
    let issuer = Issuer::start().await;
    let env = env_trusting(&issuer).await;
    let (url, seen) = places_server().await;
    let geocoder = geocoder(&url).await;
    let bearer = issuer.user_bearer("newcomer", env.now());
    let ask = |query: &str, bearer: Option<&str>| {
        let headers: Vec<(&str, String)> = bearer.map(|b| ("authorization", b.to_string())).into_iter().collect();
        unsigned("GET", &format!("/api/v1/geocode?{query}"), &headers, None)
    };
    let call = |req| {
        let app = env.app.clone();
        let geocoder = &geocoder;
        async move {
            let resp =
                shared::platform::operations::in_function(
                    "geocode",
                    shared::http::serve::dispatch(app, req, |app, req| async move {
                        geocode::run(app, geocoder, req).await
                    }),
                )
                .await;
            reply(resp)
        }
    };

    let r = call(ask("address=1%20Main%20St%2C%20Montreal", Some(&bearer))).await;
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(
        r.json["places"],
        json!([
            { "label": "1 Main St, Montreal, QC H2X 1A1, Canada", "location": { "lat": 45.5017, "lng": -73.5673 } },
            { "label": "1 Main St, Westmount, QC, Canada", "location": { "lat": 45.48, "lng": -73.6 } },
        ])
    );
    assert_eq!(
        seen.lock().unwrap()[0],
        json!({ "QueryText": "1 Main St, Montreal", "MaxResults": 5, "Language": "en" })
    );

    let r = call(ask("address=nowhere%20at%20all", Some(&bearer))).await;
    assert_eq!((r.status, r.json["places"].clone()), (200, json!([])));

    let r = call(ask("address=boom", Some(&bearer))).await;
    assert_eq!((r.status, r.code()), (503, "GEOCODING_FAILED"));

    for bad in ["", "address=", "address=ab", "address=a%0Ab%20c"] {
        let r = call(ask(bad, Some(&bearer))).await;
        assert_eq!((r.status, r.code()), (400, "INVALID_ADDRESS"), "{bad}");
    }
    let before = seen.lock().unwrap().len();
    let r = call(ask("address=1%20Main%20St%2C%20Montreal", None)).await;
    assert_eq!((r.status, r.code()), (401, "TOKEN_MISSING"));
    assert_eq!(seen.lock().unwrap().len(), before, "nothing is looked up for a caller without a token");
}

#[tokio::test]
async fn without_geocoding_set_up_the_lookup_says_so() {
    let issuer = Issuer::start().await;
    let env = env_trusting(&issuer).await;
    assert!(!env.app.settings.geocoding, "off unless GEOCODING=amazon-location");
    let bearer = issuer.user_bearer("newcomer", env.now());
    let req = unsigned("GET", "/api/v1/geocode?address=1%20Main%20St", &[("authorization", bearer)], None);
    let r = serve_routed(env.app.clone(), req).await;
    assert_eq!((r.status, r.code()), (503, "GEOCODING_UNAVAILABLE"));
}
