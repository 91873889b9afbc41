//! [`Field`]: one field of an engine answer that was absent, read, or there but
//! unreadable, so that one bad field costs only what is computed from it.
//!
//! serde's derived models fail the whole answer when one field has the wrong type, and a
//! JSON parser cannot resume inside a value once it failed. A `Field` never fails on a
//! well-formed JSON value: whatever stands there is consumed, and a value of the wrong
//! shape (a negative or fractional number, a number past 2^64, a string where a number
//! belongs, an object where text belongs) becomes [`Field::Unreadable`]. Only malformed
//! JSON still fails the answer.
//!
//! What a `Field` accepts is its type's [`Lenient`] impl: numbers for `u64` and `i64`,
//! text for the types read from strings, an object for a model struct (whose own fields
//! are `Field`s in turn, so damage stays at the deepest field that holds it).

use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// One field of an answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Field<T> {
    /// Not in the answer, or null.
    #[default]
    Absent,
    /// Read.
    Read(T),
    /// In the answer, but not a value of this field's type.
    Unreadable,
}

impl<T> Field<T> {
    /// The value, if it was read.
    pub fn value(self) -> Option<T> {
        match self {
            Field::Read(value) => Some(value),
            Field::Absent | Field::Unreadable => None,
        }
    }

    /// The value by reference, if it was read.
    pub fn as_ref(&self) -> Field<&T> {
        match self {
            Field::Read(value) => Field::Read(value),
            Field::Absent => Field::Absent,
            Field::Unreadable => Field::Unreadable,
        }
    }

    /// The value by reference, if it was read.
    pub fn get(&self) -> Option<&T> {
        self.as_ref().value()
    }

    /// True when the field was there but could not be read.
    pub fn is_unreadable(&self) -> bool {
        matches!(self, Field::Unreadable)
    }

    /// `f` of the value, keeping absence and damage.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Field<U> {
        match self {
            Field::Read(value) => Field::Read(f(value)),
            Field::Absent => Field::Absent,
            Field::Unreadable => Field::Unreadable,
        }
    }
}

impl<T> From<Option<T>> for Field<T> {
    fn from(value: Option<T>) -> Field<T> {
        value.map_or(Field::Absent, Field::Read)
    }
}

/// What a [`Field`] of this type accepts. Each method gets one shape of JSON value and
/// returns `None` when that shape is not this type; the default accepts nothing.
pub trait Lenient<'de>: Sized {
    /// A non-negative integer that fits in 64 bits.
    fn from_u64(_value: u64) -> Option<Self> {
        None
    }
    /// A negative integer.
    fn from_i64(_value: i64) -> Option<Self> {
        None
    }
    /// A string.
    fn from_str(_text: &str) -> Option<Self> {
        None
    }
    /// `true` or `false`.
    fn from_bool(_value: bool) -> Option<Self> {
        None
    }
    /// An object; what is not read of it must still be consumed.
    fn from_map<A: MapAccess<'de>>(mut map: A) -> Result<Option<Self>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    /// An array; what is not read of it must still be consumed.
    fn from_seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Option<Self>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

impl Lenient<'_> for u64 {
    fn from_u64(value: u64) -> Option<u64> {
        Some(value)
    }
}

impl Lenient<'_> for i64 {
    fn from_u64(value: u64) -> Option<i64> {
        i64::try_from(value).ok()
    }
    fn from_i64(value: i64) -> Option<i64> {
        Some(value)
    }
}

impl Lenient<'_> for bool {
    fn from_bool(value: bool) -> Option<bool> {
        Some(value)
    }
}

impl Lenient<'_> for String {
    fn from_str(text: &str) -> Option<String> {
        Some(text.to_string())
    }
}

/// A model struct read from an object through its derived `Deserialize`.
macro_rules! lenient_object {
    ($($model:ty),* $(,)?) => {$(
        impl<'de> $crate::engine::field::Lenient<'de> for $model {
            fn from_map<A: serde::de::MapAccess<'de>>(map: A) -> Result<Option<Self>, A::Error> {
                <$model as serde::Deserialize>::deserialize(
                    serde::de::value::MapAccessDeserializer::new(map),
                )
                .map(Some)
            }
        }
    )*};
}
pub(crate) use lenient_object;

/// A list whose elements are each read leniently.
impl<'de, T: Lenient<'de>> Lenient<'de> for Vec<Field<T>> {
    fn from_seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Option<Self>, A::Error> {
        let mut list = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(element) = seq.next_element::<Field<T>>()? {
            list.push(element);
        }
        Ok(Some(list))
    }
}

impl<'de, T: Lenient<'de>> Deserialize<'de> for Field<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(FieldVisitor(PhantomData))
    }
}

struct FieldVisitor<T>(PhantomData<T>);

/// What a [`Lenient`] method made of a value that was there: read, or unreadable.
fn accepted<T>(value: Option<T>) -> Field<T> {
    value.map_or(Field::Unreadable, Field::Read)
}

impl<'de, T: Lenient<'de>> Visitor<'de> for FieldVisitor<T> {
    type Value = Field<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<Field<T>, E> {
        Ok(Field::Absent)
    }

    fn visit_none<E>(self) -> Result<Field<T>, E> {
        Ok(Field::Absent)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Field<T>, D::Error> {
        Field::deserialize(deserializer)
    }

    fn visit_u64<E>(self, value: u64) -> Result<Field<T>, E> {
        Ok(accepted(T::from_u64(value)))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Field<T>, E> {
        Ok(accepted(match u64::try_from(value) {
            Ok(value) => T::from_u64(value),
            Err(_) => T::from_i64(value),
        }))
    }

    fn visit_u128<E>(self, _value: u128) -> Result<Field<T>, E> {
        Ok(Field::Unreadable)
    }

    fn visit_i128<E>(self, _value: i128) -> Result<Field<T>, E> {
        Ok(Field::Unreadable)
    }

    fn visit_f64<E>(self, _value: f64) -> Result<Field<T>, E> {
        Ok(Field::Unreadable)
    }

    fn visit_bool<E>(self, value: bool) -> Result<Field<T>, E> {
        Ok(accepted(T::from_bool(value)))
    }

    fn visit_str<E>(self, text: &str) -> Result<Field<T>, E> {
        Ok(accepted(T::from_str(text)))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Field<T>, A::Error> {
        Ok(accepted(T::from_map(map)?))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Field<T>, A::Error> {
        Ok(accepted(T::from_seq(seq)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_is_read_only_where_it_fits() {
        let read = |json: &str| serde_json::from_str::<Field<u64>>(json).unwrap();
        assert_eq!(read("7"), Field::Read(7));
        assert_eq!(read("18446744073709551615"), Field::Read(u64::MAX));
        assert_eq!(read("null"), Field::Absent);
        for damaged in [
            "-1",
            "1.5",
            "1e3",
            "18446744073709551616",
            r#""7""#,
            "true",
            "[7]",
            r#"{"v": 7}"#,
        ] {
            assert_eq!(read(damaged), Field::Unreadable, "{damaged}");
        }
        let signed = |json: &str| serde_json::from_str::<Field<i64>>(json).unwrap();
        assert_eq!(signed("-1"), Field::Read(-1));
        assert_eq!(signed("9223372036854775808"), Field::Unreadable);
    }

    #[test]
    fn malformed_json_still_fails() {
        assert!(serde_json::from_str::<Field<u64>>("[1,").is_err());
        assert!(serde_json::from_str::<Field<u64>>(r#"{"a" 1}"#).is_err());
    }
}
