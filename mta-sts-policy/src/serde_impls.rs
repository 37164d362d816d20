//! serde for the model types, so cache entries can be persisted. Every value read
//! back is validated as the parser validates it: a stored entry that was tampered
//! with or written by a buggy version is refused, never trusted.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::extension::Extension;
use crate::pattern::MxPattern;
use crate::policy::{Mode, Policy};
use crate::record::PolicyId;

impl Serialize for PolicyId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for PolicyId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        PolicyId::new(&text).ok_or_else(|| D::Error::custom(format!("invalid policy id {text:?}")))
    }
}

impl Serialize for MxPattern {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for MxPattern {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        MxPattern::new(&text).map_err(|e| D::Error::custom(format!("invalid mx pattern {text:?}: {e}")))
    }
}

impl Serialize for Mode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Mode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Mode::from_value(&text).ok_or_else(|| D::Error::custom(format!("invalid mode {text:?}")))
    }
}

#[derive(Serialize, Deserialize)]
struct PolicyRepr {
    mode: Mode,
    max_age: u64,
    mx: Vec<MxPattern>,
    #[serde(default)]
    extensions: Vec<(String, String)>,
}

impl Serialize for Policy {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        PolicyRepr {
            mode: self.mode,
            max_age: self.max_age,
            mx: self.mx.clone(),
            extensions: self
                .extensions
                .iter()
                .map(|e| (e.name().to_owned(), e.value().to_owned()))
                .collect(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Policy {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let repr = PolicyRepr::deserialize(d)?;
        let mut builder = Policy::builder(repr.mode, repr.max_age);
        for mx in repr.mx {
            builder = builder.mx_pattern(mx);
        }
        for (name, value) in &repr.extensions {
            builder = builder.extension(name, value).map_err(D::Error::custom)?;
        }
        builder.build().map_err(D::Error::custom)
    }
}

// Extensions are serialised inside `Policy` as pairs; this keeps the type usable
// on its own in host data too.
impl Serialize for Extension {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (self.name(), self.value()).serialize(s)
    }
}
