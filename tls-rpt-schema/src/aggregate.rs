//! Aggregating session results into daily reports (RFC 8460 §4.1): the sending
//! side of TLS-RPT.
//!
//! A host registers each (report domain, applied policy) pair once and gets a
//! [`PolicyHandle`]; recording a session is then a hash of two integers and an
//! increment. Failure details are merged when all their fields are equal; past
//! [`AggregatorConfig::max_failure_details`] distinct details per policy and
//! day, the excess is folded into one entry per result type, so memory grows with
//! distinct keys only, up to that cap.
//!
//! Aggregators merge ([`Aggregator::merge`]) commutatively and associatively,
//! cap included: what survives is always the smallest details in a fixed order,
//! whatever the order of merging. Each node of a cluster can aggregate and one
//! can combine. [`Aggregator::state`] is plain serde data for surviving a restart.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::model::{AppliedPolicy, DateRange, FailureDetails, PolicyResult, PolicyType, Report, ResultType, Summary};

/// Seconds in a UTC day.
const DAY: i64 = 86_400;

/// The policy a session was made under, as it goes in a report.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SessionPolicy {
    /// `sts`, `tlsa` or `no-policy-found`.
    #[serde(with = "policy_type_wire")]
    pub policy_type: PolicyType,
    /// The policy as strings (the lines of an MTA-STS policy, or TLSA records).
    pub policy_string: Vec<String>,
    /// The policy domain.
    pub policy_domain: String,
    /// The MX patterns of an MTA-STS policy.
    pub mx_host: Vec<String>,
}

/// What identifies a failure detail; details with all fields equal are merged.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FailureKey {
    /// The result type.
    #[serde(with = "result_type_wire")]
    pub result_type: ResultType,
    /// The sending MTA's address.
    pub sending_mta_ip: Option<IpAddr>,
    /// The MX host name.
    pub receiving_mx_hostname: Option<String>,
    /// The MX's EHLO name.
    pub receiving_mx_helo: Option<String>,
    /// The MX's address.
    pub receiving_ip: Option<IpAddr>,
    /// A URI with more information.
    pub additional_information: Option<String>,
    /// A short failure reason.
    pub failure_reason_code: Option<String>,
}

mod policy_type_wire {
    use super::PolicyType;
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(t: &PolicyType, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(t.as_str())
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<PolicyType, D::Error> {
        Ok(PolicyType::from_wire(&String::deserialize(d)?))
    }
}

mod result_type_wire {
    use super::ResultType;
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(t: &ResultType, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(t.as_str())
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<ResultType, D::Error> {
        Ok(ResultType::from_wire(&String::deserialize(d)?))
    }
}

/// How the aggregator bounds itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AggregatorConfig {
    /// Distinct failure details kept per policy and day; the excess is folded
    /// into one entry per result type. Default 1000.
    pub max_failure_details: usize,
}

impl Default for AggregatorConfig {
    fn default() -> Self {
        Self {
            max_failure_details: 1000,
        }
    }
}

/// A registered (report domain, policy) pair; cheap to copy and to record under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PolicyHandle(u32);

/// Counts for one report domain, policy and day.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct PolicyCounts {
    successful: u64,
    failed: u64,
    /// Failed sessions per distinct detail (at most the configured cap).
    details: BTreeMap<FailureKey, u64>,
    /// Failed sessions whose details were folded, per result type.
    folded: BTreeMap<ResultType, u64>,
}

impl PolicyCounts {
    /// Adds `n` failures with `key`, keeping the `cap` smallest keys and folding
    /// the rest: the kept set depends only on which keys were ever seen, so the
    /// result is the same in any order.
    fn add_failure(&mut self, key: &FailureKey, n: u64, cap: usize) {
        self.failed = self.failed.saturating_add(n);
        if let Some(count) = self.details.get_mut(key) {
            *count = count.saturating_add(n);
            return;
        }
        if self.details.len() < cap {
            self.details.insert(key.clone(), n);
            return;
        }
        let evict = self.details.last_key_value().is_some_and(|(largest, _)| key < largest);
        if evict {
            if let Some((largest, count)) = self.details.pop_last() {
                let f = self.folded.entry(largest.result_type).or_insert(0);
                *f = f.saturating_add(count);
            }
            self.details.insert(key.clone(), n);
        } else {
            let f = self.folded.entry(key.result_type.clone()).or_insert(0);
            *f = f.saturating_add(n);
        }
    }

    fn merge(&mut self, other: &PolicyCounts, cap: usize) {
        self.successful = self.successful.saturating_add(other.successful);
        for (key, &n) in &other.details {
            self.add_failure(key, n, cap);
        }
        for (t, &n) in &other.folded {
            self.failed = self.failed.saturating_add(n);
            let f = self.folded.entry(t.clone()).or_insert(0);
            *f = f.saturating_add(n);
        }
    }
}

/// One entry of [`AggregatorState`].
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct StateEntry {
    /// The domain whose `_smtp._tls` record receives the report.
    pub report_domain: String,
    /// The UTC day, as days since 1970-01-01.
    pub day: i64,
    /// The policy.
    pub policy: SessionPolicy,
    /// Its counts.
    pub counts: PolicyCountsData,
}

/// The counts of one entry: successes, failures, and the failure details.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PolicyCountsData {
    /// Successful sessions.
    pub successful: u64,
    /// Failed sessions.
    pub failed: u64,
    /// Failed sessions per distinct detail.
    pub details: Vec<(FailureKey, u64)>,
    /// Folded failures per result type (wire names).
    pub folded: Vec<(String, u64)>,
}

/// An aggregator's whole state: plain serde data, in a canonical order (two
/// aggregators that counted the same sessions have equal states).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AggregatorState {
    /// The configuration.
    pub config: AggregatorConfig,
    /// The entries, sorted.
    pub entries: Vec<StateEntry>,
}

/// Counts session results per report domain, UTC day and policy.
#[derive(Clone, Debug, Default)]
pub struct Aggregator {
    config: AggregatorConfig,
    policies: Vec<(String, SessionPolicy)>,
    /// Report domain, then policy: both looked up by reference, without a clone.
    index: HashMap<String, HashMap<SessionPolicy, PolicyHandle>>,
    counts: HashMap<(PolicyHandle, i64), PolicyCounts, foldhash::fast::RandomState>,
}

/// The UTC day of a Unix time, as days since 1970-01-01.
pub fn utc_day(unix_time: i64) -> i64 {
    unix_time.div_euclid(DAY)
}

impl Aggregator {
    /// An empty aggregator.
    pub fn new(config: AggregatorConfig) -> Self {
        Self {
            config,
            ..Self::default()
        }
    }

    /// The handle for a report domain and policy, registering them the first time.
    pub fn policy(&mut self, report_domain: &str, policy: &SessionPolicy) -> PolicyHandle {
        if let Some(&h) = self.index.get(report_domain).and_then(|m| m.get(policy)) {
            return h;
        }
        let h = PolicyHandle(u32::try_from(self.policies.len()).unwrap_or(u32::MAX));
        self.policies.push((report_domain.to_owned(), policy.clone()));
        self.index
            .entry(report_domain.to_owned())
            .or_default()
            .insert(policy.clone(), h);
        h
    }

    fn counts(&mut self, handle: PolicyHandle, unix_time: i64) -> &mut PolicyCounts {
        self.counts.entry((handle, utc_day(unix_time))).or_default()
    }

    /// Records a successful session at `unix_time`.
    #[inline]
    pub fn record_success(&mut self, handle: PolicyHandle, unix_time: i64) {
        let c = self.counts(handle, unix_time);
        c.successful = c.successful.saturating_add(1);
    }

    /// Records a failed session at `unix_time`.
    #[inline]
    pub fn record_failure(&mut self, handle: PolicyHandle, unix_time: i64, failure: &FailureKey) {
        let cap = self.config.max_failure_details;
        self.counts(handle, unix_time).add_failure(failure, 1, cap);
    }

    /// Adds everything `other` counted.
    pub fn merge(&mut self, other: &Aggregator) {
        let cap = self.config.max_failure_details;
        for ((handle, day), counts) in &other.counts {
            let Some((domain, policy)) = other.policies.get(handle.0 as usize) else {
                continue;
            };
            let mine = self.policy(domain, policy);
            self.counts.entry((mine, *day)).or_default().merge(counts, cap);
        }
    }

    /// The state, in canonical order.
    pub fn state(&self) -> AggregatorState {
        let mut entries: Vec<StateEntry> = self
            .counts
            .iter()
            .filter_map(|((handle, day), c)| {
                let (domain, policy) = self.policies.get(handle.0 as usize)?;
                Some(StateEntry {
                    report_domain: domain.clone(),
                    day: *day,
                    policy: policy.clone(),
                    counts: PolicyCountsData {
                        successful: c.successful,
                        failed: c.failed,
                        details: c.details.iter().map(|(k, v)| (k.clone(), *v)).collect(),
                        folded: c.folded.iter().map(|(k, v)| (k.as_str().to_owned(), *v)).collect(),
                    },
                })
            })
            .collect();
        entries.sort();
        AggregatorState {
            config: self.config,
            entries,
        }
    }

    /// An aggregator holding a saved state.
    pub fn from_state(state: &AggregatorState) -> Self {
        let mut a = Aggregator::new(state.config);
        let cap = state.config.max_failure_details;
        for e in &state.entries {
            let h = a.policy(&e.report_domain, &e.policy);
            let c = a.counts.entry((h, e.day)).or_default();
            c.successful = c.successful.saturating_add(e.counts.successful);
            for (k, n) in &e.counts.details {
                c.add_failure(k, *n, cap);
            }
            for (t, n) in &e.counts.folded {
                c.failed = c.failed.saturating_add(*n);
                let f = c.folded.entry(ResultType::from_wire(t)).or_insert(0);
                *f = f.saturating_add(*n);
            }
        }
        a
    }
}

/// Who writes the reports (RFC 8460 §4.4 and §5.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReporterConfig {
    /// `organization-name`.
    pub organization_name: String,
    /// `contact-info`.
    pub contact_info: String,
    /// The submitter domain of file names and e-mail subjects.
    pub submitter: String,
    /// Leave out report domains that saw no failure that day.
    pub only_with_failures: bool,
}

/// FNV-1a, 64 bits: a hash that is the same on every platform and every run,
/// for report ids that are stable for the same inputs.
pub(crate) fn stable_hash(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The reason code given to a folded failure entry.
pub const FOLDED_REASON: &str = "further distinct failure details folded";

impl Aggregator {
    /// Closes a UTC day (days since 1970-01-01): one report per report domain
    /// that had sessions that day, covering 00:00 to 24:00 UTC, with policies in
    /// a fixed order and a report id that is the same for the same inputs. The
    /// day's counts are removed.
    pub fn close_day(&mut self, day: i64, reporter: &ReporterConfig) -> Vec<(String, Report)> {
        let mut by_domain: BTreeMap<String, Vec<(SessionPolicy, PolicyCounts)>> = BTreeMap::new();
        let keys: Vec<(PolicyHandle, i64)> = self.counts.keys().filter(|(_, d)| *d == day).copied().collect();
        for key in keys {
            let Some(counts) = self.counts.remove(&key) else {
                continue;
            };
            let Some((domain, policy)) = self.policies.get(key.0 .0 as usize) else {
                continue;
            };
            by_domain
                .entry(domain.clone())
                .or_default()
                .push((policy.clone(), counts));
        }
        let start = time::OffsetDateTime::from_unix_timestamp(day.saturating_mul(DAY))
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        let mut reports = Vec::new();
        for (domain, mut entries) in by_domain {
            if reporter.only_with_failures && entries.iter().all(|(_, c)| c.failed == 0) {
                continue;
            }
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            let policies: Vec<PolicyResult> = entries
                .into_iter()
                .map(|(p, c)| {
                    let mut failure_details: Vec<FailureDetails> = c
                        .details
                        .into_iter()
                        .map(|(k, n)| FailureDetails {
                            result_type: k.result_type,
                            sending_mta_ip: k.sending_mta_ip,
                            receiving_mx_hostname: k.receiving_mx_hostname,
                            receiving_mx_helo: k.receiving_mx_helo,
                            receiving_ip: k.receiving_ip,
                            failed_session_count: n,
                            additional_information: k.additional_information,
                            failure_reason_code: k.failure_reason_code,
                        })
                        .collect();
                    failure_details.extend(c.folded.into_iter().map(|(t, n)| FailureDetails {
                        result_type: t,
                        sending_mta_ip: None,
                        receiving_mx_hostname: None,
                        receiving_mx_helo: None,
                        receiving_ip: None,
                        failed_session_count: n,
                        additional_information: None,
                        failure_reason_code: Some(FOLDED_REASON.to_owned()),
                    }));
                    PolicyResult {
                        policy: AppliedPolicy {
                            policy_type: p.policy_type,
                            policy_string: (!p.policy_string.is_empty()).then_some(p.policy_string),
                            policy_domain: Some(p.policy_domain),
                            mx_host: (!p.mx_host.is_empty()).then_some(p.mx_host),
                        },
                        summary: Summary {
                            total_successful_session_count: Some(c.successful),
                            total_failure_session_count: Some(c.failed),
                        },
                        failure_details,
                    }
                })
                .collect();
            let mut report = Report {
                organization_name: reporter.organization_name.clone(),
                date_range: DateRange {
                    start,
                    end: start + time::Duration::DAY,
                },
                contact_info: Some(reporter.contact_info.clone()),
                report_id: String::new(),
                policies,
            };
            let digest = stable_hash(report.to_json().unwrap_or_default().as_bytes());
            let date = start.date();
            report.report_id = format!("{date}_{domain}_{digest:016x}@{}", reporter.submitter);
            reports.push((domain, report));
        }
        reports
    }
}

/// The file name of a report (RFC 8460 §5.1):
/// `submitter!policy-domain!begin!end!unique-id.json.gz` (or `.json`), the
/// times as seconds since the epoch. `!` in the parts is not allowed by the RFC
/// and is replaced by `_`.
pub fn report_file_name(submitter: &str, report_domain: &str, report: &Report, gzip: bool) -> String {
    let clean = |s: &str| s.replace(['!', '/', '\\'], "_");
    let unique = clean(report.report_id.split('@').next().unwrap_or(&report.report_id));
    format!(
        "{}!{}!{}!{}!{}.json{}",
        clean(submitter),
        clean(report_domain),
        report.date_range.start.unix_timestamp(),
        report.date_range.end.unix_timestamp(),
        unique,
        if gzip { ".gz" } else { "" }
    )
}

/// The report gzip-compressed, as sent with `application/tlsrpt+gzip`.
pub fn gzip_report(report: &Report) -> std::io::Result<Vec<u8>> {
    use std::io::Write;
    let json = report.to_json().map_err(std::io::Error::other)?;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(json.as_bytes())?;
    e.finish()
}

/// When to send a day's reports and until when to retry (RFC 8460 §4.1, §5.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Schedule {
    /// Send at this Unix time: the end of the day plus the random delay.
    pub send_at: i64,
    /// Stop retrying at this Unix time (24 hours after `send_at`).
    pub give_up_at: i64,
}

/// The schedule for the reports of `day`. `random_delay` (seconds, chosen by the
/// host at random, to spread the load on receivers) is clamped to four hours.
pub fn schedule(day: i64, random_delay: u64) -> Schedule {
    let delay = i64::try_from(random_delay.min(4 * 3600)).unwrap_or(4 * 3600);
    let send_at = day.saturating_add(1).saturating_mul(DAY).saturating_add(delay);
    Schedule {
        send_at,
        give_up_at: send_at.saturating_add(DAY),
    }
}
