//! A small streaming XML emitter for the enriched JUnit: text and attribute
//! values are escaped and made valid XML 1.0 in one pass over their bytes,
//! written in runs straight into a buffered writer (no intermediate strings).
//!
//! What it does to text, whatever the tests printed:
//! - ANSI escape sequences are removed (CSI `ESC [ … final`, OSC `ESC ] … BEL`
//!   or `ESC ] … ESC \`, and other escapes: intermediates then a final byte);
//! - C0 control characters other than tab, line feed and carriage return are
//!   removed (XML 1.0 cannot carry them, not even as references);
//! - U+FFFE and U+FFFF (not XML characters) become U+FFFD;
//! - `&`, `<`, `>` are escaped everywhere, and `"`, `'`, tab, line feed and
//!   carriage return inside attribute values (as character references, so
//!   readers do not fold a multi-line message into one line).
//!
//! Attribute names from the input are written only when they are XML names
//! without a namespace prefix (or with the always-bound `xml:` one), and once
//! per element; the caller learns which were dropped.

use std::io::{self, Write};

/// What a byte needs: 0 nothing, 1 escape/strip in text and attributes,
/// 2 only in attributes.
const fn class_table() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = 1;
        b += 1;
    }
    t[b'\t' as usize] = 2;
    t[b'\n' as usize] = 2;
    t[b'\r' as usize] = 2;
    t[b'"' as usize] = 2;
    t[b'\'' as usize] = 2;
    t[b'&' as usize] = 1;
    t[b'<' as usize] = 1;
    t[b'>' as usize] = 1;
    // The lead byte of U+FFFE/U+FFFF (EF BF BE / EF BF BF).
    t[0xef] = 1;
    t
}

static CLASS: [u8; 256] = class_table();

/// Writes `s` escaped as XML text (`attr == false`) or as an attribute value.
pub(crate) fn escape(w: &mut impl Write, s: &str, attr: bool) -> io::Result<()> {
    escape_skipping(w, s, attr, true)
}

/// [`escape`], skipping eight bytes at a time that need nothing when `skip`.
fn escape_skipping(w: &mut impl Write, s: &str, attr: bool, skip: bool) -> io::Result<()> {
    let b = s.as_bytes();
    let limit = if attr { 2 } else { 1 };
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        // Eight bytes at a time while none of them needs a look.
        if skip && let Some(word) = b.get(i..i + 8) {
            let x = u64::from_le_bytes(word.try_into().unwrap_or_default());
            if !needs_look(x, attr) {
                i += 8;
                continue;
            }
        }
        let c = CLASS[b[i] as usize];
        if c == 0 || c > limit {
            i += 1;
            continue;
        }
        let (rep, len): (&[u8], usize) = match b[i] {
            b'&' => (b"&amp;", 1),
            b'<' => (b"&lt;", 1),
            b'>' => (b"&gt;", 1),
            b'"' => (b"&quot;", 1),
            b'\'' => (b"&apos;", 1),
            b'\t' => (b"&#9;", 1),
            b'\n' => (b"&#10;", 1),
            b'\r' => (b"&#13;", 1),
            0x1b => (b"", ansi_len(&b[i..])),
            0xef if b.get(i + 1) == Some(&0xbf) && matches!(b.get(i + 2), Some(0xbe | 0xbf)) => {
                ("\u{fffd}".as_bytes(), 3)
            }
            // Any other character starting with EF is copied as it is.
            0xef => {
                i += 1;
                continue;
            }
            _ => (b"", 1),
        };
        w.write_all(&b[start..i])?;
        w.write_all(rep)?;
        i += len;
        // Never split a character: an escape sequence ends on an ASCII byte
        // or at a character boundary.
        while i < b.len() && !s.is_char_boundary(i) {
            i += 1;
        }
        start = i;
    }
    w.write_all(&b[start..])
}

/// Whether any byte of `x` might need escaping or removing: a control
/// character, `&`, `<`, `>`, the lead byte 0xEF, and in an attribute `"`
/// and `'` (exact for "any": a byte is flagged only if one of the
/// bytes is one of those).
fn needs_look(x: u64, attr: bool) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_in = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    let byte_in = |b: u8| zero_in(x ^ (ONES * u64::from(b)));
    let below_space = x.wrapping_sub(ONES * 0x20) & !x & HIGH;
    let mut any = below_space | byte_in(b'&') | byte_in(b'<') | byte_in(b'>') | byte_in(0xef);
    if attr {
        any |= byte_in(b'"') | byte_in(b'\'');
    }
    any != 0
}

/// The length of the ANSI escape sequence at the start of `b` (which starts with ESC).
fn ansi_len(b: &[u8]) -> usize {
    match b.get(1) {
        Some(b'[') => {
            // CSI: parameters and intermediates, then one final byte 0x40–0x7E.
            let mut i = 2;
            while i < b.len() {
                if (0x40..=0x7e).contains(&b[i]) {
                    return i + 1;
                }
                if b[i] >= 0x80 || b[i] < 0x20 {
                    // Not a CSI after all: drop the introducer only.
                    return i;
                }
                i += 1;
            }
            b.len()
        }
        Some(b']') => {
            // OSC: up to BEL or ST (ESC \).
            let mut i = 2;
            while i < b.len() {
                if b[i] == 0x07 {
                    return i + 1;
                }
                if b[i] == 0x1b && b.get(i + 1) == Some(&b'\\') {
                    return i + 2;
                }
                i += 1;
            }
            b.len()
        }
        // Other escapes: intermediates 0x20–0x2F, then one final byte.
        Some(_) => {
            let mut i = 1;
            while i < b.len() && (0x20..=0x2f).contains(&b[i]) {
                i += 1;
            }
            if i < b.len() && (0x30..=0x7e).contains(&b[i]) {
                i + 1
            } else {
                i
            }
        }
        None => 1,
    }
}

/// True when `name` can be written as an attribute name without a namespace
/// declaration: an XML name with no colon, or `xml:` followed by one.
pub(crate) fn is_attribute_name(name: &str) -> bool {
    let local = name.strip_prefix("xml:").unwrap_or(name);
    if local
        .get(..5)
        .is_some_and(|head| head.eq_ignore_ascii_case("xmlns"))
    {
        return false;
    }
    let mut chars = local.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    is_name_start(first) && chars.all(is_name_char)
}

/// XML 1.0 (fifth edition) `NameStartChar`, without `:` (namespaces).
fn is_name_start(c: char) -> bool {
    matches!(c,
        'A'..='Z' | '_' | 'a'..='z'
        | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}' | '\u{F8}'..='\u{2FF}'
        | '\u{370}'..='\u{37D}' | '\u{37F}'..='\u{1FFF}' | '\u{200C}'..='\u{200D}'
        | '\u{2070}'..='\u{218F}' | '\u{2C00}'..='\u{2FEF}' | '\u{3001}'..='\u{D7FF}'
        | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFFD}' | '\u{10000}'..='\u{EFFFF}')
}

/// XML 1.0 `NameChar`, without `:`.
fn is_name_char(c: char) -> bool {
    is_name_start(c)
        || matches!(c, '-' | '.' | '0'..='9' | '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}')
}

/// An element's attributes, collected before the tag is written so that a
/// name is written once (a later value replaces an earlier one) and invalid
/// names are dropped.
#[derive(Default)]
pub(crate) struct Attrs<'a> {
    list: Vec<(&'a str, std::borrow::Cow<'a, str>)>,
}

impl<'a> Attrs<'a> {
    pub(crate) fn clear(&mut self) {
        self.list.clear();
    }

    /// Sets an attribute; returns false (and writes nothing) for a name that
    /// cannot be written.
    pub(crate) fn set(
        &mut self,
        name: &'a str,
        value: impl Into<std::borrow::Cow<'a, str>>,
    ) -> bool {
        if !is_attribute_name(name) {
            return false;
        }
        let value = value.into();
        match self.list.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.list.push((name, value)),
        }
        true
    }

    pub(crate) fn write(&self, w: &mut impl Write) -> io::Result<()> {
        for (n, v) in &self.list {
            w.write_all(b" ")?;
            w.write_all(n.as_bytes())?;
            w.write_all(b"=\"")?;
            escape(w, v, true)?;
            w.write_all(b"\"")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`escape`] without the eight-byte skip: every byte looked at.
    fn escape_bytewise(s: &str, attr: bool) -> String {
        let mut out = Vec::new();
        escape_skipping(&mut out, s, attr, false).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn skipping_eight_bytes_at_a_time_changes_nothing() {
        let pieces = [
            "a",
            "word ",
            "&",
            "<",
            ">",
            "\"",
            "'",
            "\t",
            "\n",
            "\r",
            "\x1b[31m",
            "\x1b]0;t\x07",
            "\x00",
            "\x1f",
            "\u{fffe}",
            "\u{ffff}",
            "\u{fffd}",
            "é",
            "名前",
            "\u{ef}",
            "\x7f",
            "0123456789abcdef",
        ];
        let mut x = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..20_000 {
            let mut t = String::new();
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            for k in 0..(x % 24) {
                t.push_str(pieces[((x >> (k % 50)) as usize + k as usize) % pieces.len()]);
            }
            for attr in [false, true] {
                assert_eq!(text(&t, attr), escape_bytewise(&t, attr), "{t:?}");
            }
        }
        for b in 0..=255u8 {
            let word = u64::from_le_bytes([b'a', b'b', b'c', b, b'd', b'e', b'f', b'g']);
            for (attr, limit) in [(false, 1), (true, 2)] {
                let class = CLASS[usize::from(b)];
                // Every byte that needs a look is seen; a plain one never is.
                if class != 0 && class <= limit {
                    assert!(needs_look(word, attr), "byte {b:#x} attr {attr}");
                }
                if class == 0 {
                    assert!(!needs_look(word, attr), "byte {b:#x} attr {attr}");
                }
            }
        }
    }

    fn text(s: &str, attr: bool) -> String {
        let mut v = Vec::new();
        escape(&mut v, s, attr).unwrap();
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn text_and_attributes_are_escaped_and_made_valid() {
        assert_eq!(
            text(
                "a<b>&\"'\x1b[1;31mred\x1b[0m\x07\tx\ny\u{fffe}é\u{ffff}",
                false
            ),
            "a&lt;b&gt;&amp;\"'red\tx\ny\u{fffd}é\u{fffd}"
        );
        assert_eq!(
            text("x\ny\r\t\"q\" 'a'", true),
            "x&#10;y&#13;&#9;&quot;q&quot; &apos;a&apos;"
        );
        // OSC hyperlinks, lone ESC at the end, other two-byte escapes.
        assert_eq!(
            text("\x1b]8;;http://x\x07link\x1b]8;;\x1b\\ \x1b(Bz\x1b", false),
            "link z"
        );
        // Characters that start with EF but are not U+FFFE/U+FFFF stay.
        assert_eq!(text("\u{fe0f}\u{ff21}", false), "\u{fe0f}\u{ff21}");
    }

    #[test]
    fn attribute_names_that_need_a_declaration_or_are_not_names_are_refused() {
        for ok in ["file", "xml:lang", "data-x", "_a.b", "é", "a·b", "日本"] {
            assert!(is_attribute_name(ok), "{ok}");
        }
        for bad in [
            "0errors",
            "f!x",
            "a\"b",
            "xsi:type",
            "xmlns",
            "xmlns:x",
            "",
            "a b",
            "\u{fffe}",
            // Not XML name characters, though not ASCII either.
            "\u{a5}ame",
            "a\u{a0}b",
            "\u{b7}x",
            "x\u{2028}",
            "\u{37e}",
        ] {
            assert!(!is_attribute_name(bad), "{bad}");
        }
        let mut a = Attrs::default();
        assert!(a.set("file", "a"));
        assert!(!a.set("xsi:nil", "true"));
        assert!(a.set("file", "b"));
        let mut v = Vec::new();
        a.write(&mut v).unwrap();
        assert_eq!(v, b" file=\"b\"");
    }
}
