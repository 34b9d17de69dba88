//! Text that has been through the sanitize stage.

use std::ops::Deref;

use serde::{Serialize, Serializer};

/// A value that has been through the sanitize stage.
///
/// Only `failtale-core`'s pipeline can make one (the field is private, there
/// is no `From`, `Default` or `Deserialize`), and there is no mutable access
/// to the inside. Everything that writes, renders, stores or sends text —
/// `report.json`, the enriched JUnit, the terminal summary, and later the
/// history store and the LLM client — takes `Sanitized<…>`, so raw test
/// output cannot reach them by construction.
///
/// Obtain one with [`Pipeline::sanitize`](crate::Pipeline::sanitize),
/// [`Pipeline::sanitize_text`](crate::Pipeline::sanitize_text),
/// [`Pipeline::explain`](crate::Pipeline::explain) or
/// [`Pipeline::process`](crate::Pipeline::process).
#[derive(Clone, Debug, PartialEq)]
pub struct Sanitized<T>(T);

impl<T> Sanitized<T> {
    /// Wraps a value the sanitize stage has processed. Crate-private on purpose.
    pub(crate) fn assume_sanitized(value: T) -> Self {
        Sanitized(value)
    }

    /// The sanitized value.
    pub fn get(&self) -> &T {
        &self.0
    }

    /// Gives up the guarantee and returns the value.
    pub fn into_inner(self) -> T {
        self.0
    }

    /// Derives another sanitized value from this one. Only for functions that
    /// add no text of their own beyond what they read from `self`.
    pub(crate) fn map<U>(&self, f: impl FnOnce(&T) -> U) -> Sanitized<U> {
        Sanitized(f(&self.0))
    }
}

impl<T> Deref for Sanitized<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: AsRef<str>> AsRef<str> for Sanitized<T> {
    fn as_ref(&self) -> &str {
        self.0.as_ref()
    }
}

impl<T: std::fmt::Display> std::fmt::Display for Sanitized<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl<T: Serialize> Serialize for Sanitized<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}
