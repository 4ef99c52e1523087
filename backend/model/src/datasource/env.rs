//! Environment variable expansion in provisioning files, as Grafana does it: `$VAR` and
//! `${VAR}` in string values (never keys) become the variable's value, an unset variable
//! becomes "", and `$$` is a literal `$`.

use serde_yaml_ng::Value;

/// Expands every string value in `value`, recursively (mapping keys are left alone).
pub(super) fn expand_strings(value: &mut Value, lookup: &dyn Fn(&str) -> Option<String>) {
    match value {
        Value::String(s) => {
            if s.contains('$') {
                *s = expand(s, lookup);
            }
        }
        Value::Sequence(items) => {
            for item in items {
                expand_strings(item, lookup);
            }
        }
        Value::Mapping(map) => {
            for (_, item) in map.iter_mut() {
                expand_strings(item, lookup);
            }
        }
        Value::Tagged(tagged) => expand_strings(&mut tagged.value, lookup),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// `text` with `$NAME` (NAME of ASCII letters, digits and `_`), `${NAME}` and `$$` replaced.
/// A `$` that starts none of these (`$ `, `${` without `}`, a trailing `$`) is kept as is.
pub(super) fn expand(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(dollar) = rest.find('$') {
        out.push_str(&rest[..dollar]);
        let after = &rest[dollar + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some((name, tail)) = after
            .strip_prefix('{')
            .and_then(|braced| braced.split_once('}'))
            .filter(|(name, _)| !name.is_empty())
        {
            out.push_str(&lookup(name).unwrap_or_default());
            rest = tail;
        } else {
            let len = after
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
                .count();
            if len == 0 {
                out.push('$');
            } else {
                out.push_str(&lookup(&after[..len]).unwrap_or_default());
            }
            rest = &after[len..];
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::expand;

    fn env(name: &str) -> Option<String> {
        match name {
            "HOST" => Some("db.local".to_owned()),
            "PORT" => Some("5432".to_owned()),
            _ => None,
        }
    }

    #[test]
    fn plain_and_braced_variables_expand() {
        assert_eq!(
            expand("postgres://$HOST:${PORT}/x", &env),
            "postgres://db.local:5432/x"
        );
        assert_eq!(expand("${HOST}name", &env), "db.localname");
    }

    #[test]
    fn unknown_variables_become_empty() {
        assert_eq!(expand("a${NOPE}b$NOPE", &env), "ab");
    }

    #[test]
    fn double_dollar_is_a_literal_dollar() {
        assert_eq!(expand("Pa$$word", &env), "Pa$word");
        assert_eq!(expand("$$HOST", &env), "$HOST");
        assert_eq!(expand("$$$HOST", &env), "$db.local");
    }

    #[test]
    fn lone_dollars_are_kept() {
        assert_eq!(expand("cost: 5 $", &env), "cost: 5 $");
        assert_eq!(expand("$ x ${ y", &env), "$ x ${ y");
        assert_eq!(expand("${}", &env), "${}");
    }

    #[test]
    fn text_without_variables_is_unchanged() {
        assert_eq!(expand("héllo wörld", &env), "héllo wörld");
    }
}
