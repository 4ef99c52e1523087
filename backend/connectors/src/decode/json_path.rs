//! JSON paths into a payload: `temp`, `data.temp`, `$.data.readings[0].value`, or a JSON
//! pointer `/data/temp`.

use std::fmt;

use serde_json::Value;

/// One step of a path.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

/// A parsed JSON path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonPath {
    text: String,
    steps: Vec<Step>,
}

impl JsonPath {
    /// Parses dotted (`a.b[0].c`, optional leading `$.`) or pointer (`/a/b/0`) syntax.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut steps = Vec::new();
        if let Some(pointer) = text.strip_prefix('/') {
            for part in pointer.split('/') {
                let part = part.replace("~1", "/").replace("~0", "~");
                steps.push(match part.parse::<usize>() {
                    Ok(i) => Step::Index(i),
                    Err(_) => Step::Key(part),
                });
            }
        } else {
            let body = text
                .strip_prefix("$.")
                .or_else(|| text.strip_prefix('$'))
                .unwrap_or(text);
            for segment in body.split('.').filter(|s| !s.is_empty()) {
                let (key, mut rest) = match segment.find('[') {
                    Some(i) => (&segment[..i], &segment[i..]),
                    None => (segment, ""),
                };
                if !key.is_empty() {
                    steps.push(Step::Key(key.to_owned()));
                }
                while let Some(inner) = rest.strip_prefix('[') {
                    let end = inner
                        .find(']')
                        .ok_or_else(|| format!("path {text:?}: missing ]"))?;
                    let index = inner[..end].parse().map_err(|_| {
                        format!(
                            "path {text:?}: expected an index in [], found {:?}",
                            &inner[..end]
                        )
                    })?;
                    steps.push(Step::Index(index));
                    rest = &inner[end + 1..];
                }
                if !rest.is_empty() {
                    return Err(format!("path {text:?}: unexpected {rest:?}"));
                }
            }
        }
        if steps.is_empty() {
            return Err(format!("path {text:?} selects nothing"));
        }
        Ok(JsonPath {
            text: text.to_owned(),
            steps,
        })
    }

    /// The value at this path.
    pub fn get<'a>(&self, doc: &'a Value) -> Option<&'a Value> {
        self.steps.iter().try_fold(doc, |v, step| match step {
            Step::Key(k) => v.get(k.as_str()),
            Step::Index(i) => v.get(*i),
        })
    }

    /// Whether the path starts with an array index (the payload itself is an array).
    pub(super) fn starts_with_index(&self) -> bool {
        matches!(self.steps.first(), Some(Step::Index(_)))
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}
