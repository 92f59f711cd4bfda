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
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The current UTC time as RFC 3339 with nanoseconds.
pub fn now_rfc3339() -> String {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    rfc3339(now.as_secs(), now.subsec_nanos())
}

/// Formats Unix seconds and nanoseconds as RFC 3339 UTC.
pub fn rfc3339(secs: u64, nanos: u32) -> String {
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{nanos:09}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
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
    fn formats_dates() {
        assert_eq!(super::rfc3339(0, 0), "1970-01-01T00:00:00.000000000Z");
        assert_eq!(super::rfc3339(1_700_000_000, 5), "2023-11-14T22:13:20.000000005Z");
        assert_eq!(super::http_date(1_700_000_000), "Tue, 14 Nov 2023 22:13:20 GMT");
    }
}
