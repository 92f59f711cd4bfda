//! Operational log lines in the shape of Go's `slog` JSON handler, which kamal-proxy uses:
//! `{"time":…,"level":"INFO","msg":…, fields…}` on stdout, one per line.
//!
//! The debug switch is process-wide (set once by `run --debug`), like slog's default logger.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

static DEBUG: AtomicBool = AtomicBool::new(false);

/// Turns debug lines on or off.
pub fn set_debug(enabled: bool) {
    DEBUG.store(enabled, Ordering::Relaxed);
}

/// Builds a line: time, level and message first, then the fields in order.
pub fn line(level: &str, msg: &str, fields: &[(&str, Value)]) -> String {
    let mut map = Map::new();
    map.insert("time".into(), Value::String(now_rfc3339()));
    map.insert("level".into(), Value::String(level.into()));
    map.insert("msg".into(), Value::String(msg.into()));
    for (k, v) in fields {
        map.insert((*k).to_string(), v.clone());
    }
    Value::Object(map).to_string()
}

fn emit(level: &str, msg: &str, fields: &[(&str, Value)]) {
    let text = line(level, msg, fields);
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
}

/// Logs at DEBUG (only with `--debug`).
pub fn debug(msg: &str, fields: &[(&str, Value)]) {
    if DEBUG.load(Ordering::Relaxed) {
        emit("DEBUG", msg, fields);
    }
}

/// Logs at INFO.
pub fn info(msg: &str, fields: &[(&str, Value)]) {
    emit("INFO", msg, fields);
}

/// Logs at WARN.
pub fn warn(msg: &str, fields: &[(&str, Value)]) {
    emit("WARN", msg, fields);
}

/// Logs at ERROR.
pub fn error(msg: &str, fields: &[(&str, Value)]) {
    emit("ERROR", msg, fields);
}

/// Milliseconds since the Unix epoch.
pub fn unix_millis() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The current UTC time as RFC 3339 with nanoseconds.
pub fn now_rfc3339() -> String {
    let mut out = String::with_capacity(30);
    push_now_rfc3339(&mut out);
    out
}

/// Formats Unix seconds and nanoseconds as RFC 3339 UTC.
pub fn rfc3339(secs: u64, nanos: u32) -> String {
    let mut out = String::with_capacity(30);
    push_rfc3339(&mut out, secs, nanos);
    out
}

/// Appends the current UTC time as RFC 3339 with nanoseconds.
pub fn push_now_rfc3339(out: &mut String) {
    thread_local! {
        /// The current second as written (`2023-11-14T22:13:20.`): the date and time change once
        /// a second, the nanoseconds every line.
        static SECOND: std::cell::RefCell<(u64, String)> = const { std::cell::RefCell::new((u64::MAX, String::new())) };
    }
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = now.as_secs();
    SECOND.with_borrow_mut(|(second, prefix)| {
        if *second != secs {
            prefix.clear();
            push_rfc3339(prefix, secs, 0);
            prefix.truncate(prefix.len() - "000000000Z".len());
            *second = secs;
        }
        out.push_str(prefix);
    });
    push_nanos(out, now.subsec_nanos());
    out.push('Z');
}

/// Appends nanoseconds as at least nine digits.
fn push_nanos(out: &mut String, nanos: u32) {
    if nanos >= 1_000_000_000 {
        push_digits(out, u64::from(nanos), 9);
        return;
    }
    // A leading 1 keeps the zeros, and is left out; the sum fits a `u32`.
    let mut digits = itoa::Buffer::new();
    out.push_str(digits.format(1_000_000_000 + nanos).get(1..).unwrap_or_default());
}

/// Appends Unix seconds and nanoseconds as RFC 3339 UTC (`2023-11-14T22:13:20.000000005Z`).
pub fn push_rfc3339(out: &mut String, secs: u64, nanos: u32) {
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    if (0..=9999).contains(&y) {
        push_digits(out, y.unsigned_abs(), 4);
    } else {
        out.push_str(&format!("{y:04}"));
    }
    out.push('-');
    push_digits(out, u64::from(m), 2);
    out.push('-');
    push_digits(out, u64::from(d), 2);
    out.push('T');
    push_digits(out, rem / 3600, 2);
    out.push(':');
    push_digits(out, (rem / 60) % 60, 2);
    out.push(':');
    push_digits(out, rem % 60, 2);
    out.push('.');
    push_nanos(out, nanos);
    out.push('Z');
}

/// Appends an address as `Display` writes it (IPv4 digit by digit, which is much cheaper).
pub fn push_ip(out: &mut String, ip: std::net::IpAddr) {
    match ip {
        std::net::IpAddr::V4(v4) => {
            // Byte by byte: cheaper than a stack buffer, which needs a UTF-8 check to copy.
            for (i, octet) in v4.octets().into_iter().enumerate() {
                if i > 0 {
                    out.push('.');
                }
                if octet >= 100 {
                    out.push(char::from(b'0' + octet / 100));
                }
                if octet >= 10 {
                    out.push(char::from(b'0' + (octet / 10) % 10));
                }
                out.push(char::from(b'0' + octet % 10));
            }
        }
        std::net::IpAddr::V6(v6) => {
            use std::fmt::Write as _;
            let _ = write!(out, "{v6}");
        }
    }
}

/// Appends `value` zero-padded to at least `width` digits.
fn push_digits(out: &mut String, value: u64, width: usize) {
    let mut digits = [b'0'; 20];
    let mut v = value;
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + u8::try_from(v % 10).unwrap_or(0);
        v /= 10;
        if v == 0 {
            break;
        }
    }
    let start = start.min(digits.len().saturating_sub(width));
    for &b in &digits[start..] {
        out.push(char::from(b));
    }
}

/// Whether any byte of `w` is one JSON escapes (`"`, `\\`, below 0x20); exact for the word
/// as a whole, not for which byte.
fn word_needs_escape(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let control = w.wrapping_sub(ONES * 0x20) & !w & HIGH;
    control | has_zero(w ^ (ONES * u64::from(b'"'))) | has_zero(w ^ (ONES * u64::from(b'\\'))) != 0
}

/// Whether JSON escapes a byte (`"`, `\\`, below 0x20), by value: one load per byte instead of
/// three comparisons.
static NEEDS_ESCAPE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = b < 0x20 || b == b'"' as usize || b == b'\\' as usize;
        b += 1;
    }
    table
};

fn word(bytes: &[u8]) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(bytes);
    u64::from_le_bytes(word)
}

/// Whether `bytes` holds a byte JSON escapes, eight bytes at a time; the tail is the last eight
/// bytes (overlapping, which does no harm), so only strings under eight bytes go byte by byte.
#[inline]
fn needs_escape(bytes: &[u8]) -> bool {
    if bytes.len() < 8 {
        return bytes.iter().any(|&b| NEEDS_ESCAPE[usize::from(b)]);
    }
    let mut chunks = bytes.chunks_exact(8);
    let found = chunks.any(|c| word_needs_escape(word(c)));
    found || (!chunks.remainder().is_empty() && word_needs_escape(word(&bytes[bytes.len() - 8..])))
}

/// Appends `s` as a JSON string literal, escaped exactly as `serde_json` does (`"`, `\\`, and
/// control characters; `\b \f \n \r \t` by name, the others as lowercase `\u00xx`).
#[inline]
pub fn push_json_str(out: &mut String, s: &str) {
    out.push('"');
    push_json_text(out, s);
    out.push('"');
}

/// [`push_json_str`] without the quotes. Inlined: nearly every string needs no escape, and
/// then costs one check and one copy, without a call.
#[inline]
pub fn push_json_text(out: &mut String, s: &str) {
    if needs_escape(s.as_bytes()) {
        push_json_escaped(out, s);
    } else {
        out.push_str(s);
    }
}

#[cold]
fn push_json_escaped(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = s.as_bytes();
    let mut start = 0;
    // Runs of bytes that need no escape are copied whole.
    while let Some(offset) = bytes[start..].iter().position(|&b| NEEDS_ESCAPE[usize::from(b)]) {
        let i = start + offset;
        let b = bytes[i];
        out.push_str(&s[start..i]);
        let escape: &str = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            0x08 => "\\b",
            0x0c => "\\f",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            _ => "",
        };
        if escape.is_empty() {
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        } else {
            out.push_str(escape);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
}

/// HTTP date (`Expires` attribute) for Unix seconds.
pub fn http_date(secs: u64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    let weekday = DAYS[usize::try_from(days.rem_euclid(7)).unwrap_or(0)];
    let month = MONTHS[usize::try_from(m.saturating_sub(1)).unwrap_or(0).min(11)];
    format!("{weekday}, {d:02} {month} {y:04} {:02}:{:02}:{:02} GMT", rem / 3600, (rem / 60) % 60, rem % 60)
}

/// Days since 1970-01-01 to (year, month, day), after Howard Hinnant's algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let m = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    #[test]
    fn now_is_written_as_rfc3339_with_the_cached_second() {
        use std::time::{SystemTime, UNIX_EPOCH};
        let at = || SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
        for _ in 0..3 {
            let before = at();
            let written = super::now_rfc3339();
            let after = at();
            // Same width for years 1000-9999: text order is time order.
            assert!(super::rfc3339(before.as_secs(), before.subsec_nanos()) <= written, "{written}");
            assert!(written <= super::rfc3339(after.as_secs(), after.subsec_nanos()), "{written}");
        }
    }

    #[test]
    fn formats_dates() {
        assert_eq!(super::rfc3339(0, 0), "1970-01-01T00:00:00.000000000Z");
        assert_eq!(super::rfc3339(1_700_000_000, 5), "2023-11-14T22:13:20.000000005Z");
        assert_eq!(super::http_date(1_700_000_000), "Tue, 14 Nov 2023 22:13:20 GMT");
        assert_eq!(super::rfc3339(253_402_300_799, 999_999_999), "9999-12-31T23:59:59.999999999Z");
    }

    #[test]
    fn writes_addresses_as_display_does() {
        for ip in [
            "0.0.0.0",
            "127.0.0.1",
            "203.0.113.255",
            "10.20.3.4",
            "255.255.255.255",
            "9.99.100.199",
            "1.10.200.250",
            "::1",
            "2001:db8::8:800:200c:417a",
            "::ffff:1.2.3.4",
        ] {
            let ip: std::net::IpAddr = ip.parse().unwrap();
            let mut ours = String::new();
            super::push_ip(&mut ours, ip);
            assert_eq!(ours, ip.to_string());
        }
    }

    #[test]
    fn escapes_json_strings_as_serde_json() {
        let mut all = String::new();
        for c in (0u32..0x80).chain([0xe9, 0x2028, 0x1f600]).filter_map(char::from_u32) {
            all.push(c);
        }
        for s in ["", "plain", "a\"b\\c/d", "\u{7f}", "tab\there\n", all.as_str()] {
            let mut ours = String::new();
            super::push_json_str(&mut ours, s);
            assert_eq!(ours, serde_json::Value::from(s).to_string(), "{s:?}");
        }
    }

    #[test]
    fn escapes_every_special_byte_at_every_position_of_a_word() {
        for special in (0u8..0x20).chain([b'"', b'\\']) {
            for len in 1..20 {
                for at in 0..len {
                    let mut bytes = vec![b'x'; len];
                    bytes[at] = special;
                    let s = String::from_utf8(bytes).unwrap();
                    let mut ours = String::new();
                    super::push_json_str(&mut ours, &s);
                    assert_eq!(ours, serde_json::Value::from(s.as_str()).to_string(), "{s:?}");
                }
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn writes_any_address_as_display_does(v4: u32, v6: u128) {
            for ip in [std::net::IpAddr::from(v4.to_be_bytes()), std::net::IpAddr::from(v6.to_be_bytes())] {
                let mut ours = String::from("x");
                super::push_ip(&mut ours, ip);
                proptest::prop_assert_eq!(ours, format!("x{ip}"));
            }
        }

        #[test]
        fn writes_nanoseconds_as_nine_digits(nanos: u32) {
            let mut ours = String::from("x");
            super::push_nanos(&mut ours, nanos);
            proptest::prop_assert_eq!(ours, format!("x{nanos:09}"));
        }

        #[test]
        fn escapes_any_string_as_serde_json(s in "\\PC*|[\\x00-\\x7f]{0,40}") {
            let mut ours = String::new();
            super::push_json_str(&mut ours, &s);
            proptest::prop_assert_eq!(ours, serde_json::Value::from(s.as_str()).to_string());
        }
    }
}
