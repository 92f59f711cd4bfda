//! How Ruby's YAML loader (Psych, YAML 1.1 rules) types a plain scalar, and how Ruby prints a
//! value back (`to_s`). Kamal reads `deploy.yml` through Psych, so `yes` is `true`, `0755` is
//! 493 and `:fatal` is a symbol; Tug must read the same file the same way.

/// A scalar after Psych's type resolution.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    /// `~`, `null`, or nothing.
    Null,
    /// `true`/`yes`/`on` and their opposites, any case.
    Bool(bool),
    /// Decimal, octal (`0755`), hex, binary, with `_` or `,` separators, or base 60 (`1:30`).
    Int(i64),
    /// `1.5`, `1.`, `.inf`, `.nan`.
    Float(f64),
    /// `:name`, a Ruby symbol.
    Symbol(String),
    /// `2025-12-21` and timestamps: Ruby `Date`/`Time` objects, kept as written.
    Time(String),
    /// Anything else, and every quoted scalar.
    Str(String),
}

/// Resolves a plain (unquoted, untagged) scalar the way Psych does.
pub fn resolve_plain(s: &str) -> Scalar {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Scalar::Null,
        _ => {}
    }
    let lower = s.to_ascii_lowercase();
    match lower.as_str() {
        "yes" | "true" | "on" => return Scalar::Bool(true),
        "no" | "false" | "off" => return Scalar::Bool(false),
        _ => {}
    }
    if let Some(rest) = s.strip_prefix(':')
        && !rest.is_empty()
    {
        let inner = strip_quotes(rest).unwrap_or(rest);
        return Scalar::Symbol(inner.to_string());
    }
    if let Some(i) = parse_int(s) {
        return Scalar::Int(i);
    }
    if let Some(f) = parse_float(s) {
        return Scalar::Float(f);
    }
    if is_date(s) || is_time(s) {
        return Scalar::Time(s.to_string());
    }
    Scalar::Str(s.to_string())
}

fn strip_quotes(s: &str) -> Option<&str> {
    let b = s.as_bytes();
    if b.len() >= 2 && (b[0] == b'"' || b[0] == b'\'') && b[b.len() - 1] == b[0] {
        Some(&s[1..s.len() - 1])
    } else {
        None
    }
}

fn split_sign(s: &str) -> (i64, &str) {
    match s.as_bytes().first() {
        Some(b'-') => (-1, &s[1..]),
        Some(b'+') => (1, &s[1..]),
        _ => (1, s),
    }
}

fn digits_with_separators(s: &str, radix: u32) -> Option<i64> {
    if s.is_empty() || !s.chars().any(|c| c.is_digit(radix)) {
        return None;
    }
    let mut v: i64 = 0;
    for c in s.chars() {
        if c == '_' || c == ',' {
            continue;
        }
        let d = c.to_digit(radix)? as i64;
        v = v.checked_mul(radix as i64)?.checked_add(d)?;
    }
    Some(v)
}

fn parse_int(s: &str) -> Option<i64> {
    let (sign, body) = split_sign(s);
    if body.is_empty() {
        return None;
    }
    let value = if let Some(b) = body.strip_prefix("0b") {
        digits_with_separators(b, 2)?
    } else if let Some(h) = body.strip_prefix("0x") {
        digits_with_separators(h, 16)?
    } else if body.contains(':') {
        sexagesimal(body)?
    } else if body.len() > 1 && body.starts_with('0') {
        digits_with_separators(&body[1..], 8)?
    } else {
        if !body.as_bytes()[0].is_ascii_digit() || body.ends_with(',') || body.ends_with('_') {
            return None;
        }
        digits_with_separators(body, 10)?
    };
    Some(sign * value)
}

/// Base 60 as Psych reads it: the parts are weighted 3600, 60, 1 from the left, so `1:30` is
/// 5400 and `1:00:00` is 3600 (Psych's own arithmetic, which differs from the YAML 1.1 spec).
fn sexagesimal(body: &str) -> Option<i64> {
    let parts: Vec<&str> = body.split(':').collect();
    if parts.len() < 2 || parts.len() > 3 {
        return None;
    }
    let first = parts[0];
    if first.is_empty() || !first.as_bytes()[0].is_ascii_digit() {
        return None;
    }
    for p in &parts[1..] {
        let ok = matches!(p.len(), 1 | 2)
            && p.bytes().all(|b| b.is_ascii_digit())
            && (p.len() == 1 || p.as_bytes()[0] <= b'5');
        if !ok {
            return None;
        }
    }
    let mut v: i64 = 0;
    for (i, p) in parts.iter().enumerate() {
        let n = digits_with_separators(p, 10)?;
        let weight = 60i64.pow((i as i32 - 2).unsigned_abs());
        v = v.checked_add(n.checked_mul(weight)?)?;
    }
    Some(v)
}

fn parse_float(s: &str) -> Option<f64> {
    match s {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Some(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Some(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
        _ => {}
    }
    let (sign, body) = split_sign(s);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (int_part, frac) = mantissa.split_once('.')?;
    if int_part.is_empty() && frac.is_empty() {
        return None;
    }
    if !int_part.is_empty()
        && (!int_part.as_bytes()[0].is_ascii_digit()
            || !int_part.bytes().all(|b| b.is_ascii_digit() || b == b'_' || b == b','))
    {
        return None;
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if let Some(e) = exponent {
        let digits = e.strip_prefix(['-', '+'])?;
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
    }
    let cleaned: String = mantissa.chars().filter(|c| *c != '_' && *c != ',').collect();
    let text = match exponent {
        Some(e) => format!("{cleaned}e{e}"),
        None => cleaned,
    };
    let text = if text.starts_with('.') { format!("0{text}") } else { text };
    text.parse::<f64>().ok().map(|f| sign as f64 * f)
}

fn is_date(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 3
        && parts[0].len() == 4
        && (1..=2).contains(&parts[1].len())
        && (1..=2).contains(&parts[2].len())
        && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit()))
}

fn is_time(s: &str) -> bool {
    let Some(date_end) = s.find(['T', 't', ' ']) else {
        return false;
    };
    is_date(&s[..date_end]) && s[date_end + 1..].trim_start().as_bytes().get(2) == Some(&b':')
}

/// Ruby's `Float#to_s`: `1.0`, `1.1`, `1.0e+20`, `1.0e-05`, `Infinity`, `NaN`.
pub fn ruby_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity".into() } else { "-Infinity".into() };
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-4..1e16).contains(&abs) {
        let s = format!("{f:e}");
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let m = if m.contains('.') { m.to_string() } else { format!("{m}.0") };
        let (esign, edigits) = match e.strip_prefix('-') {
            Some(d) => ('-', d),
            None => ('+', e),
        };
        return format!("{m}e{esign}{edigits:0>2}");
    }
    let s = format!("{f}");
    if s.contains('.') { s } else { format!("{s}.0") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn psych_scalars() {
        assert_eq!(resolve_plain("yes"), Scalar::Bool(true));
        assert_eq!(resolve_plain("Off"), Scalar::Bool(false));
        assert_eq!(resolve_plain("y"), Scalar::Str("y".into()));
        assert_eq!(resolve_plain("0755"), Scalar::Int(493));
        assert_eq!(resolve_plain("08"), Scalar::Str("08".into()));
        assert_eq!(resolve_plain("1_000"), Scalar::Int(1000));
        assert_eq!(resolve_plain("0x1f"), Scalar::Int(31));
        assert_eq!(resolve_plain("1:30"), Scalar::Int(5400));
        assert_eq!(resolve_plain("2:05"), Scalar::Int(7500));
        assert_eq!(resolve_plain("1:00:00"), Scalar::Int(3600));
        assert_eq!(resolve_plain("80:80"), Scalar::Str("80:80".into()));
        assert_eq!(resolve_plain("3306:3306"), Scalar::Str("3306:3306".into()));
        assert_eq!(resolve_plain("1.10"), Scalar::Float(1.1));
        assert_eq!(resolve_plain("1."), Scalar::Float(1.0));
        assert_eq!(resolve_plain("1.1.1.1"), Scalar::Str("1.1.1.1".into()));
        assert_eq!(resolve_plain(":fatal"), Scalar::Symbol("fatal".into()));
        assert_eq!(resolve_plain("2025-12-21"), Scalar::Time("2025-12-21".into()));
        assert_eq!(resolve_plain("~"), Scalar::Null);
        assert_eq!(resolve_plain("512m"), Scalar::Str("512m".into()));
        assert_eq!(resolve_plain("25%"), Scalar::Str("25%".into()));
        assert_eq!(resolve_plain("-3"), Scalar::Int(-3));
        assert_eq!(resolve_plain("123.45.67.89"), Scalar::Str("123.45.67.89".into()));
    }

    #[test]
    fn ruby_float_format() {
        assert_eq!(ruby_float(1.1), "1.1");
        assert_eq!(ruby_float(100.0), "100.0");
        assert_eq!(ruby_float(1e20), "1.0e+20");
        assert_eq!(ruby_float(0.00001), "1.0e-05");
    }
}
