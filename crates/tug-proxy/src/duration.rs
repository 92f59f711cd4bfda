//! Go `time.Duration` strings ("30s", "1m30s", "500ms"): parsing and formatting, so that the
//! command line accepts what kamal-proxy's accepts and error messages print durations the same way.

use std::time::Duration;

/// Parses a Go duration string such as `30s`, `1m30s`, `1.5h` or `0`.
///
/// Negative durations are refused: no kamal-proxy flag gives them a meaning.
pub fn parse(input: &str) -> Result<Duration, String> {
    let invalid = || format!("time: invalid duration \"{input}\"");
    let mut rest = input;
    if let Some(stripped) = rest.strip_prefix('+') {
        rest = stripped;
    } else if rest.starts_with('-') {
        if rest == "-0" {
            return Ok(Duration::ZERO);
        }
        return Err(format!("negative durations are not supported: \"{input}\""));
    }
    if rest == "0" {
        return Ok(Duration::ZERO);
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    let mut total_nanos: u128 = 0;
    while !rest.is_empty() {
        let digits_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(|| format!("time: missing unit in duration \"{input}\""))?;
        let number = &rest[..digits_end];
        if number.is_empty() || number == "." || number.matches('.').count() > 1 {
            return Err(invalid());
        }
        rest = &rest[digits_end..];
        let unit_end = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let unit = &rest[..unit_end];
        rest = &rest[unit_end..];
        let unit_nanos: u128 = match unit {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => return Err(format!("time: unknown unit \"{unit}\" in duration \"{input}\"")),
        };
        let (whole, frac) = number.split_once('.').unwrap_or((number, ""));
        let whole: u128 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| invalid())? };
        let mut value = whole.checked_mul(unit_nanos).ok_or_else(invalid)?;
        let mut scale = unit_nanos;
        for digit in frac.chars() {
            scale /= 10;
            let d = u128::from(digit.to_digit(10).ok_or_else(invalid)?);
            value = value.checked_add(d * scale).ok_or_else(invalid)?;
        }
        total_nanos = total_nanos.checked_add(value).ok_or_else(invalid)?;
    }
    let nanos = u64::try_from(total_nanos).map_err(|_| invalid())?;
    Ok(Duration::from_nanos(nanos))
}

/// Formats a duration the way Go's `Duration.String` does: `30s`, `1m30s`, `1h0m0s`, `1.5s`,
/// `500ms`, `0s`.
pub fn format(duration: Duration) -> String {
    let nanos = duration.as_nanos();
    if nanos == 0 {
        return "0s".to_string();
    }
    if nanos < 1_000_000_000 {
        let (unit, scale) = if nanos < 1_000 {
            ("ns", 1u128)
        } else if nanos < 1_000_000 {
            ("µs", 1_000)
        } else {
            ("ms", 1_000_000)
        };
        return format!("{}{unit}", fraction(nanos, scale));
    }
    let hours = nanos / 3_600_000_000_000;
    let minutes = (nanos / 60_000_000_000) % 60;
    let seconds = nanos % 60_000_000_000;
    let seconds = fraction(seconds, 1_000_000_000);
    if hours > 0 {
        format!("{hours}h{minutes}m{seconds}s")
    } else if minutes > 0 {
        format!("{minutes}m{seconds}s")
    } else {
        format!("{seconds}s")
    }
}

fn fraction(value: u128, scale: u128) -> String {
    let whole = value / scale;
    let mut rem = value % scale;
    if rem == 0 {
        return whole.to_string();
    }
    let mut digits = String::new();
    let mut s = scale;
    while rem > 0 && s > 1 {
        s /= 10;
        digits.push(char::from(b'0' + u8::try_from(rem / s).unwrap_or(0)));
        rem %= s;
    }
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_forms() {
        assert_eq!(parse("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse("0"), Ok(Duration::ZERO));
        assert_eq!(parse("2h"), Ok(Duration::from_secs(7200)));
        assert!(parse("30").is_err());
        assert!(parse("").is_err());
        assert!(parse("1x").is_err());
        assert!(parse("s").is_err());
    }

    #[test]
    fn formats_like_go() {
        assert_eq!(format(Duration::from_secs(30)), "30s");
        assert_eq!(format(Duration::from_secs(90)), "1m30s");
        assert_eq!(format(Duration::from_secs(3600)), "1h0m0s");
        assert_eq!(format(Duration::from_millis(1500)), "1.5s");
        assert_eq!(format(Duration::from_millis(500)), "500ms");
        assert_eq!(format(Duration::ZERO), "0s");
    }
}
