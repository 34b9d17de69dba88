//! The analysis cache: the same fingerprint analyzed with the same settings
//! is never sent to a provider twice. The history store implements
//! [`AnalysisCache`] on disk; [`MemoryCache`] keeps one run's answers.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::model::Analysis;

/// What an analysis is cached under.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CacheKey {
    /// The cluster's fingerprint.
    pub fingerprint: String,
    /// A stable hash of every setting that changes the answer (provider,
    /// model, mode, prompt version, budget).
    pub settings: String,
}

impl CacheKey {
    /// A key from a fingerprint and any serialisable description of the
    /// analyzer settings, hashed with [`settings_hash`].
    pub fn new(fingerprint: &str, settings: &impl serde::Serialize) -> Self {
        CacheKey {
            fingerprint: fingerprint.to_owned(),
            settings: settings_hash(&[&serde_json::to_string(settings).unwrap_or_default()]),
        }
    }
}

/// Stores analyses by fingerprint and settings.
pub trait AnalysisCache: Send + Sync {
    /// The cached analysis, if any.
    fn get(&self, key: &CacheKey) -> Option<Analysis>;
    /// Stores an analysis.
    fn put(&self, key: &CacheKey, analysis: &Analysis);
}

/// An in-memory cache.
#[derive(Debug, Default)]
pub struct MemoryCache {
    map: Mutex<HashMap<CacheKey, Analysis>>,
}

impl MemoryCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.map.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl AnalysisCache for MemoryCache {
    fn get(&self, key: &CacheKey) -> Option<Analysis> {
        self.map
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
            .cloned()
    }

    fn put(&self, key: &CacheKey, analysis: &Analysis) {
        self.map
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key.clone(), analysis.clone());
    }
}

/// A stable 64-bit FNV-1a hash of settings strings, as hex.
pub fn settings_hash(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain([0]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}
