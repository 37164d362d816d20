//! The rustls fetcher against an HTTPS server on loopback with a test CA.
#![cfg(feature = "https")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::manual_async_fn
)]

mod support;

use std::future::Future;
use std::time::Duration;

use mta_sts_policy::{check_response, FetchError, FetchRules, PolicyHost, ResultType, StsFailureType};
use mta_sts_resolver_trait::adapters::{BlockingRustlsFetcher, RustlsFetcher};
use mta_sts_resolver_trait::{
    BlockingHttpsFetcher, DnsResolver, Engine, EngineConfig, FetchRequest, HttpsError, HttpsFetcher, HttpsResponse,
    MemoryStore, TxtAnswer,
};
use support::https_server::{HttpsServer, HOSTS, POLICY};

fn fetcher(server: &HttpsServer) -> RustlsFetcher {
    let mut b = RustlsFetcher::builder().root_store(server.roots.clone());
    for host in HOSTS {
        b = b.resolve(host, server.addr);
    }
    b.build().unwrap()
}

async fn get(f: &RustlsFetcher, domain: &str) -> Result<HttpsResponse, HttpsError> {
    let host = PolicyHost::for_domain(domain).unwrap();
    let url = host.url();
    let request = FetchRequest {
        host: &host,
        url: &url,
        max_body: 65_536,
        timeout: Duration::from_millis(1500),
    };
    f.get(&request).await
}

#[tokio::test]
async fn a_valid_policy_is_fetched_with_sni_and_without_caching() {
    let server = HttpsServer::start();
    let f = fetcher(&server);
    let response = get(&f, "valid.test").await.unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(response.content_type.as_deref(), Some("text/plain; charset=utf-8"));
    assert_eq!(response.body, POLICY.as_bytes());
    let parsed = check_response(&response.as_fetch_response(), &FetchRules::default()).unwrap();
    assert!(parsed.policy.matches_mx("a.mail.valid.test"));

    let requests = server.requests.lock().unwrap().clone();
    let (sni, head, _) = &requests[0];
    assert_eq!(sni, "mta-sts.valid.test", "the policy host is the SNI");
    let head = head.to_ascii_lowercase();
    assert!(head.starts_with("get /.well-known/mta-sts.txt http/1.1\r\n"), "{head}");
    assert!(head.contains("\r\nhost: mta-sts.valid.test\r\n"), "{head}");
    assert!(head.contains("\r\ncache-control: no-cache\r\n"), "{head}");
    assert!(
        !head.contains("if-modified-since") && !head.contains("if-none-match"),
        "{head}"
    );
}

#[tokio::test]
async fn a_chunked_body_is_read_whole() {
    let server = HttpsServer::start();
    let response = get(&fetcher(&server), "chunked.test").await.unwrap();
    assert_eq!(response.body, POLICY.as_bytes());
}

#[tokio::test]
async fn a_redirect_is_returned_not_followed() {
    let server = HttpsServer::start();
    let response = get(&fetcher(&server), "redirect.test").await.unwrap();
    assert_eq!(response.status, 301);
    let err = check_response(&response.as_fetch_response(), &FetchRules::default()).unwrap_err();
    assert_eq!(err, FetchError::Redirect(301));
    let requests = server.requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 1, "the Location was not visited: {requests:?}");
}

#[tokio::test]
async fn a_404_is_a_status_error() {
    let server = HttpsServer::start();
    let response = get(&fetcher(&server), "missing.test").await.unwrap();
    assert_eq!(response.status, 404);
    assert!(response.body.is_empty(), "the body of an error status is not read");
    let err = check_response(&response.as_fetch_response(), &FetchRules::default()).unwrap_err();
    assert_eq!(err, FetchError::Status(404));
}

#[tokio::test]
async fn a_wrong_media_type_is_refused_by_the_checks() {
    let server = HttpsServer::start();
    let response = get(&fetcher(&server), "html.test").await.unwrap();
    let err = check_response(&response.as_fetch_response(), &FetchRules::default()).unwrap_err();
    assert_eq!(err, FetchError::MediaType(Some("text/html".into())));
}

#[tokio::test]
async fn an_oversized_body_is_refused_by_length_or_while_reading() {
    let server = HttpsServer::start();
    let f = fetcher(&server);
    assert_eq!(
        get(&f, "big.test").await.unwrap_err(),
        HttpsError::BodyTooLarge { limit: 65_536 }
    );
    assert_eq!(
        get(&f, "chunked-big.test").await.unwrap_err(),
        HttpsError::BodyTooLarge { limit: 65_536 }
    );
}

#[tokio::test]
async fn expired_misnamed_and_untrusted_certificates_are_certificate_errors() {
    let server = HttpsServer::start();
    let f = fetcher(&server);
    for domain in ["expired.test", "wrongname.test", "untrusted.test"] {
        let err = get(&f, domain).await.unwrap_err();
        let HttpsError::Certificate(why) = &err else {
            panic!("{domain}: {err:?}");
        };
        let expected = match domain {
            "expired.test" => "Expired",
            "wrongname.test" => "NotValidForName",
            _ => "UnknownIssuer",
        };
        assert!(why.contains(expected), "{domain}: {why}");
        assert_eq!(FetchError::from(err).failure_type(), StsFailureType::WebpkiInvalid);
    }
    // The default WebPKI roots do not trust the test CA either.
    let public = RustlsFetcher::builder()
        .resolve("mta-sts.valid.test", server.addr)
        .build()
        .unwrap();
    assert!(matches!(
        get(&public, "valid.test").await,
        Err(HttpsError::Certificate(_))
    ));
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let server = HttpsServer::start();
    let started = std::time::Instant::now();
    assert_eq!(
        get(&fetcher(&server), "slow.test").await.unwrap_err(),
        HttpsError::Timeout
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn a_refused_connection_is_a_connect_error() {
    // Bind and drop a listener to get a port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let f = RustlsFetcher::builder()
        .resolve("mta-sts.valid.test", port)
        .build()
        .unwrap();
    assert!(matches!(get(&f, "valid.test").await, Err(HttpsError::Connect(_))));
}

#[test]
fn the_blocking_twin_fetches_too() {
    let server = HttpsServer::start();
    let f = BlockingRustlsFetcher::from_fetcher(fetcher(&server)).unwrap();
    let host = PolicyHost::for_domain("valid.test").unwrap();
    let url = host.url();
    let request = FetchRequest {
        host: &host,
        url: &url,
        max_body: 65_536,
        timeout: Duration::from_secs(5),
    };
    assert_eq!(f.get(&request).unwrap().body, POLICY.as_bytes());
    let expired = PolicyHost::for_domain("expired.test").unwrap();
    let url = expired.url();
    let request = FetchRequest {
        host: &expired,
        url: &url,
        ..request
    };
    assert!(matches!(f.get(&request), Err(HttpsError::Certificate(_))));
}

struct Sts;

impl DnsResolver for Sts {
    fn lookup_txt(&self, _name: &str) -> impl Future<Output = TxtAnswer> + Send {
        async { TxtAnswer::records(["v=STSv1; id=20240101"]) }
    }
}

#[tokio::test]
async fn the_engine_over_the_real_fetcher_applies_valid_policies_and_reports_the_rest() {
    let server = HttpsServer::start();
    let config = EngineConfig {
        fetch_timeout: Duration::from_millis(1500),
        ..EngineConfig::default()
    };
    let engine = Engine::with_config(Sts, fetcher(&server), MemoryStore::default(), config);
    let now = 1_700_000_000;
    let valid = engine.policy("valid.test", now).await;
    assert!(valid.policy().unwrap().matches_mx("mx.valid.test"));
    let cases = [
        ("chunked.test", None),
        ("redirect.test", Some(ResultType::StsPolicyFetchError)),
        ("missing.test", Some(ResultType::StsPolicyFetchError)),
        ("html.test", Some(ResultType::StsPolicyFetchError)),
        ("big.test", Some(ResultType::StsPolicyFetchError)),
        ("slow.test", Some(ResultType::StsPolicyFetchError)),
        ("expired.test", Some(ResultType::StsWebpkiInvalid)),
        ("wrongname.test", Some(ResultType::StsWebpkiInvalid)),
        ("untrusted.test", Some(ResultType::StsWebpkiInvalid)),
    ];
    for (domain, expected) in cases {
        let lookup = engine.policy(domain, now).await;
        let reported = lookup.outcome().reports().first().map(|r| r.result_type);
        assert_eq!(reported, expected, "{domain}");
        assert_eq!(lookup.policy().is_some(), expected.is_none(), "{domain}");
    }
}

#[tokio::test]
async fn a_report_is_posted_with_its_media_type_and_the_status_comes_back() {
    let server = HttpsServer::start();
    let f = fetcher(&server);
    let body = b"\x1f\x8b fake gzip".to_vec();
    let status = f
        .post_report(
            "https://reports.valid.test/v1/tlsrpt",
            tls_rpt_schema::MEDIA_TYPE_GZIP,
            body.clone(),
            Duration::from_secs(5),
        )
        .await
        .unwrap();
    assert_eq!(status, 201);
    let requests = server.requests.lock().unwrap().clone();
    let (sni, head, got) = &requests[0];
    assert_eq!(sni, "reports.valid.test");
    let head = head.to_ascii_lowercase();
    assert!(head.starts_with("post /v1/tlsrpt http/1.1\r\n"), "{head}");
    assert!(head.contains("\r\ncontent-type: application/tlsrpt+gzip\r\n"), "{head}");
    assert_eq!(got, &body);
    let status = f
        .post_report(
            "https://reports.down.test/",
            tls_rpt_schema::MEDIA_TYPE_JSON,
            b"{}".to_vec(),
            Duration::from_secs(5),
        )
        .await
        .unwrap();
    assert_eq!(status, 503);
    // The certificate of a report endpoint is validated too.
    let public = RustlsFetcher::builder()
        .resolve("reports.valid.test", server.addr)
        .build()
        .unwrap();
    let err = public
        .post_report(
            "https://reports.valid.test/",
            tls_rpt_schema::MEDIA_TYPE_JSON,
            b"{}".to_vec(),
            Duration::from_secs(5),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, HttpsError::Certificate(_)), "{err:?}");
}
