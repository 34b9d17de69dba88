//! Attributes of a start tag, read straight from its bytes.
//!
//! quick-xml's attribute iterator walks values byte by byte; in a file of
//! many small `<testcase>` elements that walk was the largest single cost of
//! reading a tag. This scanner finds each closing quote with `memchr` and
//! otherwise behaves like quick-xml's iterator with checks off and errors
//! skipped (`attributes().with_checks(false).flatten()`): a name without a
//! value or an unquoted value is passed over, an unterminated quote ends the
//! list, values come raw (still escaped).

/// `(name, raw value)` pairs of a start tag's attribute bytes.
pub(crate) struct RawAttrs<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> RawAttrs<'a> {
    /// `bytes` is what follows the element name (quick-xml's `attributes_raw`).
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        RawAttrs { bytes, pos: 0 }
    }

    fn skip_blanks(&self, mut i: usize) -> usize {
        while i < self.bytes.len() && is_blank(self.bytes[i]) {
            i += 1;
        }
        i
    }

    /// Nothing more can be read.
    fn done(&mut self) -> Option<(&'a [u8], &'a [u8])> {
        self.pos = self.bytes.len();
        None
    }
}

impl<'a> Iterator for RawAttrs<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let s = self.bytes;
        loop {
            let key_start = self.skip_blanks(self.pos);
            // A name is at least its first byte, even `=`, as quick-xml reads it.
            let mut i = key_start + 1;
            while i < s.len() && s[i] != b'=' && !is_blank(s[i]) {
                i += 1;
            }
            if i >= s.len() {
                // Trailing blanks, or a name with no value at the end.
                return self.done();
            }
            let key_end = i;
            if s[i] != b'=' {
                i = self.skip_blanks(i);
                if i >= s.len() {
                    return self.done();
                }
                if s[i] != b'=' {
                    // A name with no value: what follows starts the next one.
                    self.pos = i;
                    continue;
                }
            }
            i = self.skip_blanks(i + 1);
            let Some(&quote) = s.get(i) else {
                return self.done();
            };
            if quote != b'"' && quote != b'\'' {
                // An unquoted value is skipped up to the next blank.
                while i < s.len() && !is_blank(s[i]) {
                    i += 1;
                }
                if i >= s.len() {
                    return self.done();
                }
                self.pos = i;
                continue;
            }
            let value_start = i + 1;
            let Some(len) = memchr::memchr(quote, &s[value_start..]) else {
                return self.done();
            };
            self.pos = value_start + len + 1;
            return Some((&s[key_start..key_end], &s[value_start..value_start + len]));
        }
    }
}

fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\r' | b'\n' | b'\t')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use quick_xml::events::BytesStart;

    type Pairs = Vec<(Vec<u8>, Vec<u8>)>;

    fn ours(raw: &str) -> Pairs {
        RawAttrs::new(raw.as_bytes())
            .map(|(k, v)| (k.to_vec(), v.to_vec()))
            .collect()
    }

    fn quick_xml(raw: &str) -> Pairs {
        let tag = format!("t{raw}");
        let e = BytesStart::from_content(tag.as_str(), 1);
        e.attributes()
            .with_checks(false)
            .flatten()
            .map(|a| (a.key.as_ref().to_vec(), a.value.to_vec()))
            .collect()
    }

    fn pairs(list: &[(&str, &str)]) -> Pairs {
        list.iter()
            .map(|(k, v)| (k.as_bytes().to_vec(), v.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn well_formed_and_broken_tags() {
        let cases: &[(&str, &[(&str, &str)])] = &[
            (
                r#" name="a" classname='b c' time="0.1""#,
                &[("name", "a"), ("classname", "b c"), ("time", "0.1")],
            ),
            (
                " a = \"1\"\n\tb=\"x&amp;y\"  ",
                &[("a", "1"), ("b", "x&amp;y")],
            ),
            (
                r#" q="it's" r='say "hi"'"#,
                &[("q", "it's"), ("r", "say \"hi\"")],
            ),
            (r#" flag name="x""#, &[("name", "x")]),
            (r#" a=1 b="2""#, &[("b", "2")]),
            (r#" a="unterminated b="2""#, &[("a", "unterminated b=")]),
            (r#" a="open"#, &[]),
            (
                r#" xml:lang="en" ns:name="x""#,
                &[("xml:lang", "en"), ("ns:name", "x")],
            ),
            (" a=", &[]),
            (" =''", &[]),
            (" ==''", &[("=", "")]),
            ("", &[]),
        ];
        for (raw, want) in cases {
            assert_eq!(ours(raw), pairs(want), "{raw:?}");
            assert_eq!(ours(raw), quick_xml(raw), "{raw:?} as quick-xml reads it");
        }
    }

    proptest! {
        /// Whatever the bytes, the same pairs as quick-xml's lenient iterator.
        #[test]
        fn same_pairs_as_quick_xml(raw in "[ab:= \t\n\"'&x]{0,40}") {
            let raw = format!(" {raw}");
            prop_assert_eq!(ours(&raw), quick_xml(&raw));
        }
    }
}
