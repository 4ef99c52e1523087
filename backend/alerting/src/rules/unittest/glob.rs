//! `rule_files:` globs as Go's `filepath.Glob` expands them (promtool uses it): `*` (any run of
//! characters but `/`), `?` (one character), `[a-z]`, `[^a-z]` (classes), `\` (escape), in any
//! path component; matches sorted by name within each directory; a malformed pattern is an error.

use std::path::{Component, Path, PathBuf};

/// Whether `text` holds a glob metacharacter (as Go's `hasMeta` on Unix).
pub(super) fn has_meta(text: &str) -> bool {
    text.contains(['*', '?', '[', '\\'])
}

/// The existing paths matching `pattern`, relative to `base` unless absolute (only `pattern`'s
/// components are patterns, never `base`'s); empty when none does.
pub(super) fn glob(base: &Path, pattern: &Path) -> Result<Vec<PathBuf>, String> {
    let start = if pattern.is_absolute() {
        PathBuf::new()
    } else {
        base.to_path_buf()
    };
    let mut current = vec![start];
    for component in pattern.components() {
        let text = component.as_os_str().to_string_lossy();
        if !matches!(component, Component::Normal(_)) || !has_meta(&text) {
            for p in &mut current {
                p.push(component.as_os_str());
            }
            continue;
        }
        let pat: Vec<char> = text.chars().collect();
        // Malformed patterns are errors even where nothing would be compared (as Go checks).
        matches(&pat, &[])?;
        let mut next = Vec::new();
        for dir in &current {
            let listed = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir.as_path()
            };
            let Ok(entries) = std::fs::read_dir(listed) else {
                continue;
            };
            let mut names: Vec<String> = entries
                .filter_map(|e| e.ok())
                .filter_map(|e| e.file_name().into_string().ok())
                .collect();
            names.sort();
            for name in names {
                let chars: Vec<char> = name.chars().collect();
                if matches(&pat, &chars)? {
                    next.push(dir.join(&name));
                }
            }
        }
        current = next;
    }
    current.retain(|p| !p.as_os_str().is_empty() && p.symlink_metadata().is_ok());
    Ok(current)
}

/// Go's `filepath.Match` on one path component.
fn matches(pattern: &[char], name: &[char]) -> Result<bool, String> {
    let bad = || {
        Err(format!(
            "syntax error in pattern {:?}",
            String::from_iter(pattern)
        ))
    };
    match pattern.split_first() {
        None => Ok(name.is_empty()),
        Some(('*', rest)) => {
            // Every split is tried until one matches; the last one (empty name) also validates
            // the rest of the pattern when none does.
            for i in 0..=name.len() {
                if matches(rest, &name[i..])? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Some(('?', rest)) => match name.split_first() {
            Some((_, tail)) => matches(rest, tail),
            None => matches(rest, name).map(|_| false),
        },
        Some(('[', rest)) => {
            let Some((hit, after)) = class(rest, name.first().copied()) else {
                return bad();
            };
            let tail = name.get(1..).unwrap_or(&[]);
            let more = matches(after, tail)?;
            Ok(hit && !name.is_empty() && more)
        }
        Some(('\\', rest)) => match rest.split_first() {
            None => bad(),
            Some((c, after)) => {
                let more = matches(after, name.get(1..).unwrap_or(&[]))?;
                Ok(name.first() == Some(c) && more)
            }
        },
        Some((c, rest)) => {
            let more = matches(rest, name.get(1..).unwrap_or(&[]))?;
            Ok(name.first() == Some(c) && more)
        }
    }
}

/// A character class after its `[`: whether `c` is in it, and the pattern after its `]`;
/// `None` when the class is malformed.
fn class(pattern: &[char], c: Option<char>) -> Option<(bool, &[char])> {
    let (negated, mut rest) = match pattern.split_first() {
        Some(('^', rest)) => (true, rest),
        _ => (false, pattern),
    };
    let mut hit = false;
    let mut ranges = 0;
    loop {
        if let Some((']', after)) = rest.split_first()
            && ranges > 0
        {
            return Some((hit != negated, after));
        }
        let (lo, after) = escaped(rest)?;
        rest = after;
        let mut hi = lo;
        if let Some(('-', after)) = rest.split_first() {
            let (h, after) = escaped(after)?;
            hi = h;
            rest = after;
        }
        if c.is_some_and(|c| lo <= c && c <= hi) {
            hit = true;
        }
        ranges += 1;
    }
}

/// One class character, `\`-escaped or not; `-`, `]` and the end are malformed here.
fn escaped(pattern: &[char]) -> Option<(char, &[char])> {
    match pattern.split_first()? {
        ('-' | ']', _) => None,
        ('\\', rest) => rest.split_first().map(|(c, r)| (*c, r)),
        (c, rest) => Some((*c, rest)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, name: &str) -> Result<bool, String> {
        let p: Vec<char> = pattern.chars().collect();
        let n: Vec<char> = name.chars().collect();
        matches(&p, &n)
    }

    /// Cases from Go's `path/filepath/match_test.go`.
    #[test]
    fn matches_as_go() {
        let cases: &[(&str, &str, Option<bool>)] = &[
            ("abc", "abc", Some(true)),
            ("*", "abc", Some(true)),
            ("*c", "abc", Some(true)),
            ("a*", "a", Some(true)),
            ("a*", "abc", Some(true)),
            ("a*/b", "abc/b", Some(true)),
            ("a*b*c*d*e*/f", "axbxcxdxe/f", Some(true)),
            ("ab[c]", "abc", Some(true)),
            ("ab[b-d]", "abc", Some(true)),
            ("ab[e-g]", "abc", Some(false)),
            ("ab[^c]", "abc", Some(false)),
            ("ab[^b-d]", "abc", Some(false)),
            ("ab[^e-g]", "abc", Some(true)),
            ("a\\*b", "a*b", Some(true)),
            ("a\\*b", "ab", Some(false)),
            ("a?b", "a☺b", Some(true)),
            ("a[^a]b", "a☺b", Some(true)),
            ("a???b", "a☺b", Some(false)),
            ("[a-ζ]*", "α", Some(true)),
            ("*[a-ζ]", "A", Some(false)),
            ("[\\-]", "-", Some(true)),
            ("[x\\-]", "z", Some(false)),
            ("[", "a", None),
            ("[^", "a", None),
            ("[^bc", "a", None),
            ("a[", "a", None),
            ("a[", "ab", None),
            ("*x", "xxx", Some(true)),
            ("[]a]", "]", None),
            ("[-]", "-", None),
            ("[x-]", "x", None),
            ("\\", "a", None),
            ("a*[", "abc", None),
        ];
        for (p, n, want) in cases {
            assert_eq!(m(p, n).ok(), *want, "{p} on {n}");
        }
    }

    #[test]
    fn expands_existing_paths_sorted() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        for f in ["b.yml", "a.yml", "c.yaml", "sub/d.yml"] {
            let p = dir.path().join(f);
            if let Some(parent) = p.parent() {
                std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
            }
            std::fs::write(&p, "").unwrap_or_else(|e| panic!("{e}"));
        }
        let names = |pattern: &str| -> Vec<String> {
            glob(dir.path(), Path::new(pattern))
                .unwrap_or_else(|e| panic!("{e}"))
                .iter()
                .map(|p| {
                    p.strip_prefix(dir.path())
                        .map(|p| p.display().to_string())
                        .unwrap_or_default()
                })
                .collect()
        };
        assert_eq!(names("*.yml"), ["a.yml", "b.yml"]);
        assert_eq!(names("*/*.yml"), ["sub/d.yml"]);
        assert_eq!(names("[ac].*"), ["a.yml", "c.yaml"]);
        assert!(names("*.json").is_empty());
        assert!(glob(dir.path(), Path::new("[")).is_err());
        let absolute = dir.path().join("b.*");
        assert_eq!(
            glob(Path::new("elsewhere"), &absolute).map(|v| v.len()),
            Ok(1)
        );
    }
}
