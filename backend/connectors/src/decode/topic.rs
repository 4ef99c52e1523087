//! Topic and subject patterns with labelled wildcards. MQTT style: `plant/+boiler/temp`
//! (`+` one level, `#` the rest; `+name` captures the level as label `name`). NATS style:
//! `plant.*boiler.temp` (`*` one token, `>` the rest). The upstream filter is the pattern with
//! the label names removed.

use pulsegrid_model::Labels;

/// Which wildcard syntax a broker uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WildcardStyle {
    /// MQTT: `/` separated, `+` and `#`.
    Mqtt,
    /// NATS: `.` separated, `*` and `>`.
    Nats,
    /// Redis patterns and others: no captures; the filter is the text as given.
    Literal,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Level {
    Exact(String),
    One(Option<String>),
    Rest(Option<String>),
}

/// A parsed topic pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopicPattern {
    style: WildcardStyle,
    levels: Vec<Level>,
    filter: String,
}

impl TopicPattern {
    /// Parses a pattern; `+`/`*` and `#`/`>` may carry a label name right after them.
    pub fn parse(text: &str, style: WildcardStyle) -> Result<Self, String> {
        if text.is_empty() {
            return Err("topic: must not be empty".into());
        }
        let (sep, one, rest) = match style {
            WildcardStyle::Mqtt => ('/', '+', '#'),
            WildcardStyle::Nats => ('.', '*', '>'),
            WildcardStyle::Literal => {
                return Ok(TopicPattern {
                    style,
                    levels: vec![Level::Exact(text.to_owned())],
                    filter: text.to_owned(),
                });
            }
        };
        let parts: Vec<&str> = text.split(sep).collect();
        let mut levels = Vec::with_capacity(parts.len());
        let mut filter = Vec::with_capacity(parts.len());
        for (i, part) in parts.iter().enumerate() {
            let label = |p: &str| (!p.is_empty()).then(|| p.to_owned());
            if let Some(name) = part.strip_prefix(one) {
                levels.push(Level::One(label(name)));
                filter.push(one.to_string());
            } else if let Some(name) = part.strip_prefix(rest) {
                if i + 1 != parts.len() {
                    return Err(format!("topic {text:?}: {rest} must be the last level"));
                }
                levels.push(Level::Rest(label(name)));
                filter.push(rest.to_string());
            } else {
                levels.push(Level::Exact((*part).to_owned()));
                filter.push((*part).to_owned());
            }
        }
        Ok(TopicPattern {
            style,
            levels,
            filter: filter.join(&sep.to_string()),
        })
    }

    /// The filter to subscribe upstream with (label names removed).
    pub fn filter(&self) -> &str {
        &self.filter
    }

    /// The labels a concrete topic carries, or None when it does not match the pattern.
    pub fn labels(&self, topic: &str) -> Option<Labels> {
        let sep = match self.style {
            WildcardStyle::Mqtt => '/',
            WildcardStyle::Nats => '.',
            WildcardStyle::Literal => return Some(Labels::new()),
        };
        let parts: Vec<&str> = topic.split(sep).collect();
        let mut labels = Labels::new();
        for (i, level) in self.levels.iter().enumerate() {
            match level {
                Level::Exact(e) => {
                    if parts.get(i) != Some(&e.as_str()) {
                        return None;
                    }
                }
                Level::One(name) => {
                    let part = parts.get(i)?;
                    if let Some(name) = name {
                        labels.insert(name.clone(), *part);
                    }
                }
                Level::Rest(name) => {
                    if i >= parts.len() && self.style == WildcardStyle::Nats {
                        return None;
                    }
                    if let Some(name) = name {
                        labels.insert(
                            name.clone(),
                            parts[i.min(parts.len())..].join(&sep.to_string()),
                        );
                    }
                    return Some(labels);
                }
            }
        }
        (parts.len() == self.levels.len()).then_some(labels)
    }
}
