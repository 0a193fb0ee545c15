//! The canonical bytes of a JSON value: what seals, checkpoints and signatures are computed over.
//!
//! They must never depend on a JSON library's formatting (a feature such as `preserve_order`
//! switched on anywhere in the dependency graph would change serde_json's key order), so this
//! writer fixes every choice itself and a test vector pins it:
//! - objects: keys sorted by their UTF-8 bytes, no whitespace anywhere;
//! - strings: `"` and `\` escaped, `\b \f \n \r \t`, other characters below U+0020 as `\u00xx`
//!   (lower-case hex), everything else as its own UTF-8;
//! - integers in decimal; a finite float as its shortest round-trip digits laid out as
//!   `123.0`, `0.001`, `1.5e-7` or `1e+300` (decimal while the point falls within 16 digits of
//!   the first one, scientific otherwise); a non-finite float as `null`.
//!
//! This is the form the first seals were written in (serde_json's compact output with sorted
//! keys), so seals and certificates made before it still verify.

use serde_json::Value;

/// The canonical bytes of `value`.
pub fn to_bytes(value: &Value) -> Vec<u8> {
    let mut out = String::new();
    write_value(&mut out, value);
    out.into_bytes()
}

fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(flag) => out.push_str(if *flag { "true" } else { "false" }),
        Value::Number(number) => {
            if let Some(integer) = number.as_i64() {
                out.push_str(&integer.to_string());
            } else if let Some(integer) = number.as_u64() {
                out.push_str(&integer.to_string());
            } else {
                write_float(out, number.as_f64().unwrap_or(f64::NAN));
            }
        }
        Value::String(text) => write_string(out, text),
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push('{');
            for (index, (key, item)) in entries.into_iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_string(out, key);
                out.push(':');
                write_value(out, item);
            }
            out.push('}');
        }
    }
}

fn write_string(out: &mut String, text: &str) {
    out.push('"');
    for character in text.chars() {
        match character {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            control if u32::from(control) < 0x20 => {
                out.push_str(&format!("\\u{:04x}", u32::from(control)));
            }
            other => out.push(other),
        }
    }
    out.push('"');
}

/// A finite float as its shortest round-trip digits, laid out at a fixed rule.
fn write_float(out: &mut String, value: f64) {
    if !value.is_finite() {
        out.push_str("null");
        return;
    }
    // `{:e}` gives the shortest digits that read back as the same float: "-1.5e-7", "3e0".
    let scientific = format!("{value:e}");
    let (mantissa, exponent) = scientific
        .split_once('e')
        .unwrap_or((scientific.as_str(), "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let length = i32::try_from(digits.len()).unwrap_or(i32::MAX);
    // Where the decimal point falls, counted from the first digit.
    let point = exponent + 1;
    out.push_str(sign);
    if length <= point && point <= 16 {
        out.push_str(&digits);
        out.push_str(&"0".repeat(usize::try_from(point - length).unwrap_or(0)));
        out.push_str(".0");
    } else if 0 < point && point <= 16 {
        let (whole, fraction) = digits.split_at(usize::try_from(point).unwrap_or(0));
        out.push_str(whole);
        out.push('.');
        out.push_str(fraction);
    } else if -5 < point && point <= 0 {
        out.push_str("0.");
        out.push_str(&"0".repeat(usize::try_from(-point).unwrap_or(0)));
        out.push_str(&digits);
    } else {
        let (first, rest) = digits.split_at(1);
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        out.push('e');
        if exponent > 0 {
            out.push('+');
        }
        out.push_str(&exponent.to_string());
    }
}

/// SHA-256 of `bytes`, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    crate::certificate::hex(&Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The pinned vector: these bytes, and this hash, are what every seal ever written relies on.
    #[test]
    fn the_test_vector_is_pinned() {
        let document = json!({
            "zeta": [1, -2, 3.5, 0.001, 1.5e-7, 1e300, 100.0, 12345678901234567.0, null, true],
            "alpha": {"b": "Добрый день!\n\t\"кавычки\" \\ \u{1}", "a": false},
            "Ёж": 1.0e16,
        });
        let bytes = to_bytes(&document);
        assert_eq!(
            String::from_utf8(bytes.clone()).unwrap_or_default(),
            r#"{"alpha":{"a":false,"b":"Добрый день!\n\t\"кавычки\" \\ \u0001"},"zeta":[1,-2,3.5,0.001,1.5e-7,1e+300,100.0,1.2345678901234568e+16,null,true],"Ёж":1e+16}"#
        );
        assert_eq!(
            sha256_hex(&bytes),
            "efc7ec4538012610e003dca68e429a658f3890b528c827aeda3383dea1b349d5"
        );
    }

    /// The first seals were serde_json's compact text with sorted keys: the canonical form is the
    /// same for every kind of value a seal holds.
    #[test]
    fn the_form_matches_the_first_seals() {
        let floats = [
            0.0,
            1.0,
            0.5,
            12.25,
            3.1,
            59.999,
            1e-5,
            1e-4,
            1.5e-7,
            123456.789,
            1e15,
            1e16,
            1e17,
            1e300,
            1.2345678901234567e16,
            5e-324,
        ];
        for value in floats {
            let document = json!([value, -value]);
            assert_eq!(
                to_bytes(&document),
                serde_json::to_string(&document)
                    .unwrap_or_default()
                    .into_bytes(),
                "{value}"
            );
        }
        let document = json!({"b": [1, "x\u{7f}y\u{1f}"], "a": {"d": null, "c": 9_223_372_036_854_775_807_i64}});
        assert_eq!(
            to_bytes(&document),
            serde_json::to_string(&document)
                .unwrap_or_default()
                .into_bytes()
        );
    }
}
