//! Sans-IO DNS helpers for hosts that own their sockets: build a TXT query, read
//! the response into a [`TxtAnswer`].
//!
//! ```
//! use mta_sts_resolver_trait::wire::{read_txt_response, txt_query, WireAnswer};
//! use mta_sts_resolver_trait::TxtAnswer;
//!
//! let query = txt_query("_mta-sts.example.com", 0x1234).unwrap();
//! // ... send `query` over UDP to a resolver, receive `response` ...
//! # let response = mta_sts_resolver_trait::wire::test_response(&query, &[&["v=STSv1; id=1"]]).unwrap();
//! match read_txt_response(&response, 0x1234, "_mta-sts.example.com").unwrap() {
//!     WireAnswer::Answer(TxtAnswer::Records(records)) => assert_eq!(records, [b"v=STSv1; id=1".to_vec()]),
//!     WireAnswer::RetryOverTcp => { /* send `tcp_frame(&query)` over TCP instead */ }
//!     other => panic!("{other:?}"),
//! }
//! ```

use hickory_proto::op::{Edns, Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType};

use crate::dns::TxtAnswer;

/// The UDP payload size the queries advertise through EDNS(0): 1232 bytes, the
/// size that avoids IP fragmentation (the DNS flag day 2020 value).
pub const EDNS_UDP_PAYLOAD: u16 = 1232;

/// At most this many CNAMEs are followed inside one answer.
pub const MAX_CNAME_HOPS: usize = 16;

/// A message that could not be built or is not an answer to the query.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WireError {
    /// The name to query is not a valid DNS name.
    #[error("invalid DNS name {name:?}: {reason}")]
    InvalidName {
        /// The name.
        name: String,
        /// Why.
        reason: String,
    },
    /// The query could not be encoded.
    #[error("could not encode the DNS query: {0}")]
    Encode(String),
    /// The response is not a well-formed DNS message.
    #[error("malformed DNS response: {0}")]
    Malformed(String),
    /// The message is a query, not a response.
    #[error("the DNS message is not a response")]
    NotAResponse,
    /// The response carries another id: it answers some other query (or is
    /// spoofed).
    #[error("DNS response id {got} does not match query id {expected}")]
    IdMismatch {
        /// The query's id.
        expected: u16,
        /// The response's id.
        got: u16,
    },
    /// The response's question is not the query's (name, TXT, IN).
    #[error("the DNS response answers another question")]
    QuestionMismatch,
    /// The response's opcode is not QUERY.
    #[error("the DNS response has opcode {0}, not QUERY")]
    Opcode(String),
    /// The answer's CNAMEs loop or chain longer than [`MAX_CNAME_HOPS`].
    #[error("the answer's CNAME chain loops or is longer than {MAX_CNAME_HOPS}")]
    CnameChain,
}

/// What a response says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WireAnswer {
    /// The answer, in the DNS trait's terms.
    Answer(TxtAnswer),
    /// The response was truncated (TC bit): send the query again over TCP.
    RetryOverTcp,
}

fn fqdn(name: &str) -> Result<Name, WireError> {
    let mut n = Name::from_ascii(name).map_err(|e| WireError::InvalidName {
        name: name.to_owned(),
        reason: e.to_string(),
    })?;
    n.set_fqdn(true);
    Ok(n)
}

/// A TXT query for `name` with `id`: recursion desired, EDNS(0) with a UDP
/// payload of [`EDNS_UDP_PAYLOAD`]. Use a random id per query.
pub fn txt_query(name: &str, id: u16) -> Result<Vec<u8>, WireError> {
    let mut message = Message::new(id, MessageType::Query, OpCode::Query);
    message.metadata.recursion_desired = true;
    message.add_query(Query::query(fqdn(name)?, RecordType::TXT));
    let mut edns = Edns::new();
    edns.set_max_payload(EDNS_UDP_PAYLOAD);
    message.set_edns(edns);
    message.to_vec().map_err(|e| WireError::Encode(e.to_string()))
}

/// `message` with the two-byte length prefix of DNS over TCP (RFC 1035 §4.2.2).
pub fn tcp_frame(message: &[u8]) -> Result<Vec<u8>, WireError> {
    let len = u16::try_from(message.len()).map_err(|_| WireError::Encode("message longer than 65535 bytes".into()))?;
    let mut framed = Vec::with_capacity(message.len().saturating_add(2));
    framed.extend_from_slice(&len.to_be_bytes());
    framed.extend_from_slice(message);
    Ok(framed)
}

/// Reads the response to the TXT query for `name` with `id` (without a TCP
/// length prefix).
///
/// The id and the question must match the query. A truncated response is
/// [`WireAnswer::RetryOverTcp`]. NXDOMAIN, and NOERROR without TXT data, are
/// [`TxtAnswer::NoRecord`]; SERVFAIL, REFUSED and every other code are
/// [`TxtAnswer::TemporaryFailure`]. CNAMEs in the answer are followed from the
/// query name; the TXT records of the name the chain ends at are returned, each
/// record's strings joined.
pub fn read_txt_response(response: &[u8], id: u16, name: &str) -> Result<WireAnswer, WireError> {
    let message = Message::from_vec(response).map_err(|e| WireError::Malformed(e.to_string()))?;
    let meta = &message.metadata;
    if meta.message_type != MessageType::Response {
        return Err(WireError::NotAResponse);
    }
    if meta.id != id {
        return Err(WireError::IdMismatch {
            expected: id,
            got: meta.id,
        });
    }
    if meta.op_code != OpCode::Query {
        return Err(WireError::Opcode(format!("{:?}", meta.op_code)));
    }
    let qname = fqdn(name)?;
    // A truncated response may come without its question; it is asked again.
    if meta.truncation {
        return Ok(WireAnswer::RetryOverTcp);
    }
    match message.queries.as_slice() {
        [q] if q.name() == &qname && q.query_type() == RecordType::TXT && q.query_class() == DNSClass::IN => {}
        _ => return Err(WireError::QuestionMismatch),
    }
    let answer = match meta.response_code {
        ResponseCode::NoError => {
            let records = txt_of_chain(&message.answers, qname)?;
            if records.is_empty() {
                TxtAnswer::NoRecord
            } else {
                TxtAnswer::Records(records)
            }
        }
        ResponseCode::NXDomain => TxtAnswer::NoRecord,
        other => TxtAnswer::TemporaryFailure(format!("DNS response code {other}")),
    };
    Ok(WireAnswer::Answer(answer))
}

/// The TXT records at the end of the CNAME chain that starts at `name`.
fn txt_of_chain(answers: &[Record], mut name: Name) -> Result<Vec<Vec<u8>>, WireError> {
    for _ in 0..=MAX_CNAME_HOPS {
        let txt: Vec<Vec<u8>> = answers
            .iter()
            .filter(|r| r.name == name && r.dns_class == DNSClass::IN)
            .filter_map(|r| match &r.data {
                RData::TXT(t) => Some(t.txt_data.iter().flat_map(|s| s.iter().copied()).collect()),
                _ => None,
            })
            .collect();
        if !txt.is_empty() {
            return Ok(txt);
        }
        let next = answers.iter().find_map(|r| match &r.data {
            RData::CNAME(c) if r.name == name => Some(c.0.clone()),
            _ => None,
        });
        match next {
            Some(target) => {
                name = target;
                name.set_fqdn(true);
            }
            None => return Ok(Vec::new()),
        }
    }
    Err(WireError::CnameChain)
}

/// A response to `query` answering each given record (a list of strings) as a
/// TXT record of the query name: for examples and tests that stand in for a
/// DNS server.
pub fn test_response(query: &[u8], records: &[&[&str]]) -> Result<Vec<u8>, WireError> {
    let q = Message::from_vec(query).map_err(|e| WireError::Malformed(e.to_string()))?;
    let mut response = Message::response(q.metadata.id, OpCode::Query);
    response.metadata.recursion_desired = q.metadata.recursion_desired;
    response.metadata.recursion_available = true;
    for question in &q.queries {
        response.add_query(question.clone());
    }
    if let Some(question) = q.queries.first() {
        for strings in records {
            let txt = hickory_proto::rr::rdata::TXT::new(strings.iter().map(|s| (*s).to_owned()).collect());
            response.add_answer(Record::from_rdata(question.name().clone(), 300, RData::TXT(txt)));
        }
    }
    response.to_vec().map_err(|e| WireError::Encode(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::rr::rdata::{CNAME, TXT};

    const NAME: &str = "_mta-sts.example.com";

    fn response(id: u16, code: ResponseCode, answers: Vec<Record>) -> Vec<u8> {
        let mut m = Message::response(id, OpCode::Query);
        m.metadata.response_code = code;
        m.add_query(Query::query(fqdn(NAME).unwrap(), RecordType::TXT));
        m.add_answers(answers);
        m.to_vec().unwrap()
    }

    fn cname(from: &str, to: &str) -> Record {
        Record::from_rdata(fqdn(from).unwrap(), 60, RData::CNAME(CNAME(fqdn(to).unwrap())))
    }

    fn txt(owner: &str, s: &[&str]) -> Record {
        Record::from_rdata(
            fqdn(owner).unwrap(),
            60,
            RData::TXT(TXT::new(s.iter().map(|s| (*s).to_owned()).collect())),
        )
    }

    #[test]
    fn the_query_asks_for_txt_with_recursion_and_edns() {
        let q = Message::from_vec(&txt_query(NAME, 77).unwrap()).unwrap();
        assert_eq!(q.metadata.id, 77);
        assert!(q.metadata.recursion_desired);
        assert_eq!(q.queries[0].query_type(), RecordType::TXT);
        assert_eq!(q.queries[0].name().to_ascii(), "_mta-sts.example.com.");
        assert_eq!(q.max_payload(), EDNS_UDP_PAYLOAD);
        assert!(matches!(txt_query("bad..name", 1), Err(WireError::InvalidName { .. })));
    }

    #[test]
    fn cnames_are_followed_and_records_of_other_names_ignored() {
        let answers = vec![
            cname(NAME, "policy.example.net"),
            txt("unrelated.example.com", &["v=STSv1; id=wrong"]),
            txt("policy.example.net", &["v=STSv1; ", "id=right"]),
        ];
        let got = read_txt_response(&response(1, ResponseCode::NoError, answers), 1, NAME).unwrap();
        assert_eq!(got, WireAnswer::Answer(TxtAnswer::records(["v=STSv1; id=right"])));
    }

    #[test]
    fn a_cname_loop_is_an_error_not_a_hang() {
        let answers = vec![cname(NAME, "a.example"), cname("a.example", NAME)];
        let got = read_txt_response(&response(1, ResponseCode::NoError, answers), 1, NAME);
        assert_eq!(got, Err(WireError::CnameChain));
    }

    #[test]
    fn a_cname_to_a_missing_name_is_no_record() {
        let answers = vec![cname(NAME, "gone.example")];
        let got = read_txt_response(&response(1, ResponseCode::NXDomain, answers), 1, NAME).unwrap();
        assert_eq!(got, WireAnswer::Answer(TxtAnswer::NoRecord));
    }

    #[test]
    fn the_name_is_compared_without_regard_to_case() {
        let answers = vec![txt("_MTA-STS.Example.COM", &["v=STSv1; id=1"])];
        let got = read_txt_response(&response(1, ResponseCode::NoError, answers), 1, "_mta-sts.EXAMPLE.com").unwrap();
        assert_eq!(got, WireAnswer::Answer(TxtAnswer::records(["v=STSv1; id=1"])));
    }

    #[test]
    fn the_truncation_bit_asks_for_tcp() {
        let mut m = Message::response(5, OpCode::Query);
        m.metadata.truncation = true;
        assert_eq!(
            read_txt_response(&m.to_vec().unwrap(), 5, NAME).unwrap(),
            WireAnswer::RetryOverTcp
        );
    }

    #[test]
    fn garbage_is_malformed_and_never_panics() {
        assert!(matches!(read_txt_response(&[], 1, NAME), Err(WireError::Malformed(_))));
        assert!(matches!(
            read_txt_response(&[0xff; 11], 1, NAME),
            Err(WireError::Malformed(_))
        ));
        let good = response(1, ResponseCode::NoError, vec![txt(NAME, &["v=STSv1; id=1"])]);
        for cut in 0..good.len() {
            let _ = read_txt_response(&good[..cut], 1, NAME);
        }
    }

    #[test]
    fn tcp_frames_carry_the_length() {
        assert_eq!(tcp_frame(b"abc").unwrap(), b"\x00\x03abc");
        assert!(tcp_frame(&vec![0; 70_000]).is_err());
    }
}
