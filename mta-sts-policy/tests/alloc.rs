//! The matcher's ASCII path allocates nothing, and a cache-style id comparison of
//! a parsed TXT record allocates nothing either: checked with a counting global
//! allocator (the only `unsafe` in the project, confined to this test binary).
#![allow(unsafe_code)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use mta_sts_policy::{MxPattern, Policy, StsRecord};

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every call is passed straight to the system allocator; the counter is a
// thread-local `Cell` that never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_during(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

#[test]
fn counter_counts() {
    assert!(allocations_during(|| drop(std::hint::black_box(vec![1u8; 16]))) >= 1);
}

#[test]
fn ascii_matching_allocates_nothing() {
    let mut b = Policy::builder(mta_sts_policy::Mode::Enforce, 86400);
    for i in 0..1000 {
        b = b
            .mx(&format!("mx{i}.example.com"))
            .unwrap()
            .mx(&format!("*.d{i}.example.net"))
            .unwrap();
    }
    let policy = b.build().unwrap();
    let matcher = policy.matcher();
    let single = MxPattern::new("*.example.org").unwrap();
    let hosts = [
        "mx7.example.com",
        "MX999.EXAMPLE.COM.",
        "a.d3.example.net",
        "A.B.d3.example.net",
        "nothing.example",
        "192.0.2.1",
        "[IPv6:::1]",
        "",
        ".",
    ];
    let mut hits = 0;
    let n = allocations_during(|| {
        for host in hosts {
            hits += usize::from(std::hint::black_box(&matcher).matches(host));
            hits += usize::from(single.matches(host));
            hits += usize::from(policy.matches_mx(host));
        }
    });
    assert_eq!(n, 0, "the ASCII matching path allocated");
    assert_eq!(hits, 6);
}

#[test]
fn u_label_host_is_converted() {
    // The non-ASCII path is the one allowed to allocate; it must still match.
    let matcher = Policy::parse(b"version: STSv1\nmode: enforce\nmx: *.xn--bcher-kva.example\nmax_age: 1\n")
        .unwrap()
        .policy
        .matcher();
    let mut hit = false;
    let n = allocations_during(|| hit = matcher.matches("mx.bücher.example"));
    assert!(hit);
    assert!(n > 0);
}

#[test]
fn record_id_comparison_allocates_nothing() {
    let cached = StsRecord::parse("v=STSv1; id=20160831085700Z;").unwrap().id();
    let n = allocations_during(|| {
        let fresh = StsRecord::parse(std::hint::black_box("v=STSv1; id=20160831085700Z;")).unwrap();
        assert_eq!(fresh.id(), cached);
    });
    assert_eq!(n, 0, "parsing a record without extensions allocated");
}

#[test]
fn cache_hit_decides_without_allocating() {
    use mta_sts_policy::{lookup, CacheConfig, FetchResponse, Step, StoreAction};
    let config = CacheConfig::default();
    let Step::ResolveTxt(t) = lookup(None, "example.com", 0, &config) else {
        panic!()
    };
    let Step::Fetch(f) = t.records(["v=STSv1; id=20240101"]) else {
        panic!()
    };
    let body = b"version: STSv1\nmode: enforce\nmx: mx.example.com\nmax_age: 86400\n";
    let entry = f
        .response(FetchResponse {
            status: 200,
            content_type: Some("text/plain"),
            body,
        })
        .into_entry()
        .unwrap();
    let answer = ["v=spf1 -all", "v=STSv1; id=20240101"];
    let mut copy = Some(entry.clone());
    let mut applied = false;
    let n = allocations_during(|| {
        let Step::ResolveTxt(t) = lookup(copy.take(), "example.com", 3600, &config) else {
            panic!()
        };
        let Step::Done(out) = t.records(answer) else { panic!() };
        applied = out.policy().is_some() && out.store() == StoreAction::Unchanged;
        drop(out);
    });
    assert!(applied);
    assert_eq!(n, 0, "a cache hit allocated");
}
