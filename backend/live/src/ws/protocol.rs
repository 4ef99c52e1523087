//! The WebSocket protocol's messages: reading client ops, writing server frames.
//!
//! Frame messages are assembled from a per-subscription prefix (the `sub` id escaped once)
//! and the topic's shared `series` JSON, so nothing is serialized per client.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::{InlineRequest, PanelRequest};

/// The window a panel subscription gets when the client names none.
pub(crate) const DEFAULT_FROM: &str = "now-5m";
/// See [`DEFAULT_FROM`].
pub(crate) const DEFAULT_TO: &str = "now";
/// The largest `maxDataPoints` a client may ask for (a very wide screen is ~8000 px).
pub(crate) const MAX_DATA_POINTS: u64 = 100_000;
/// The most targets an inline subscription may carry.
pub(crate) const MAX_INLINE_TARGETS: usize = 26;

/// A client request.
#[derive(Debug, PartialEq)]
pub(crate) enum ClientOp {
    /// Start (or replace) subscription `sub`.
    Subscribe { sub: String, what: Watch },
    /// Stop subscription `sub`.
    Unsubscribe { sub: String },
}

/// What a subscription watches.
#[derive(Debug, PartialEq)]
pub(crate) enum Watch {
    /// The queries of a dashboard panel over a relative window.
    Panel(Box<PanelRequest>),
    /// Queries the client sends itself (the panel editor's unsaved edits).
    Inline(Box<InlineRequest>),
    /// An ingested or pushed stream.
    Stream(String),
}

/// A client message that could not be understood: the `sub` it named (if any) and why.
#[derive(Debug, PartialEq)]
pub(crate) struct OpError {
    pub(crate) sub: String,
    pub(crate) message: String,
}

/// Reads one client text message.
pub(crate) fn parse_client_op(text: &str) -> Result<ClientOp, OpError> {
    let value: Value = serde_json::from_str(text).map_err(|e| OpError {
        sub: String::new(),
        message: format!("malformed JSON message: {e}"),
    })?;
    let Value::Object(map) = value else {
        return Err(OpError {
            sub: String::new(),
            message: format!("expected a JSON object with an \"op\" field, found {value}"),
        });
    };
    let sub = match map.get("sub") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let fail = |message: String| OpError {
        sub: sub.clone().unwrap_or_default(),
        message,
    };
    let op = match map.get("op") {
        Some(Value::String(op)) => op.as_str(),
        Some(other) => {
            return Err(fail(format!(
                "field \"op\": expected a string, found {other}"
            )));
        }
        None => {
            return Err(fail(
                "missing field \"op\" (subscribe or unsubscribe)".into(),
            ));
        }
    };
    if !matches!(op, "subscribe" | "unsubscribe") {
        return Err(fail(format!(
            "unknown op {op:?}; expected subscribe or unsubscribe"
        )));
    }
    let Some(sub) = sub.clone().filter(|s| !s.is_empty()) else {
        return Err(fail(format!(
            "{op}: missing field \"sub\" (the client's subscription id)"
        )));
    };
    if op == "unsubscribe" {
        return Ok(ClientOp::Unsubscribe { sub });
    }
    let text_field = |name: &str| match map.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(other) => Err(fail(format!(
            "subscribe: field \"{name}\": expected a string, found {other}"
        ))),
    };
    if let Some(stream) = text_field("stream")? {
        return Ok(ClientOp::Subscribe {
            sub,
            what: Watch::Stream(stream),
        });
    }
    let from = text_field("from")?.unwrap_or_else(|| DEFAULT_FROM.to_owned());
    let to = text_field("to")?.unwrap_or_else(|| DEFAULT_TO.to_owned());
    let vars = match map.get("vars") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(vars)) => vars.clone(),
        Some(other) => {
            return Err(fail(format!(
                "subscribe: field \"vars\": expected an object of variable values \
                 ({{\"name\": \"value\" or [\"a\", \"b\"]}}), found {other}"
            )));
        }
    };
    let max_data_points = match map.get("maxDataPoints") {
        None | Some(Value::Null) => None,
        Some(value) => Some(
            value
                .as_u64()
                .filter(|n| (1..=MAX_DATA_POINTS).contains(n))
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| {
                    fail(format!(
                        "subscribe: field \"maxDataPoints\": expected a whole number from 1 \
                         to {MAX_DATA_POINTS} (the panel's width in pixels), found {value}"
                    ))
                })?,
        ),
    };
    let shift = text_field("shift")?.filter(|s| !s.trim().is_empty());
    if let Some(shift) = &shift
        && let Err(e) = pulsegrid_model::parse_duration_ms(shift)
    {
        return Err(fail(format!(
            "subscribe: field \"shift\": {e}; expected how far back to move the window, e.g. 1d"
        )));
    }
    if let Some(targets) = map.get("targets") {
        let targets = match targets {
            Value::Array(items) if !items.is_empty() && items.len() <= MAX_INLINE_TARGETS => {
                items.clone()
            }
            other => {
                return Err(fail(format!(
                    "subscribe: field \"targets\": expected an array of 1 to \
                     {MAX_INLINE_TARGETS} query objects, found {}",
                    shorten(other)
                )));
            }
        };
        if let Some(i) = targets.iter().position(|t| !t.is_object()) {
            return Err(fail(format!(
                "subscribe: field \"targets[{i}]\": expected a query object, found {}",
                shorten(&targets[i])
            )));
        }
        let datasource = match map.get("datasource") {
            None | Some(Value::Null) => None,
            Some(ds @ (Value::Object(_) | Value::String(_))) => Some(ds.clone()),
            Some(other) => {
                return Err(fail(format!(
                    "subscribe: field \"datasource\": expected {{\"uid\": ...}}, a uid or \
                     name, or null for the default, found {other}"
                )));
            }
        };
        return Ok(ClientOp::Subscribe {
            sub,
            what: Watch::Inline(Box::new(InlineRequest {
                dashboard: text_field("dashboard")?,
                datasource,
                targets,
                from,
                to,
                vars,
                max_data_points,
                shift,
            })),
        });
    }
    let Some(dashboard) = text_field("dashboard")? else {
        return Err(fail(
            "subscribe: expected \"dashboard\" and \"panel\", \"stream\", or \"targets\"".into(),
        ));
    };
    let panel = match map.get("panel") {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
    .ok_or_else(|| fail("subscribe: field \"panel\": expected the panel's numeric id".into()))?;
    Ok(ClientOp::Subscribe {
        sub,
        what: Watch::Panel(Box::new(PanelRequest {
            dashboard,
            panel,
            from,
            to,
            vars,
            max_data_points,
            shift,
        })),
    })
}

/// A JSON value for an error message, cut short.
fn shorten(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(80) {
        Some((at, _)) => format!("{}...", &text[..at]),
        None => text,
    }
}

/// The two frame prefixes of one subscription, `sub` escaped once.
#[derive(Debug)]
pub(crate) struct FramePrefix {
    append: Arc<str>,
    replace: Box<str>,
}

impl FramePrefix {
    pub(crate) fn new(sub: &str) -> FramePrefix {
        let sub = Value::String(sub.to_owned()).to_string();
        FramePrefix {
            append: format!(r#"{{"op":"frame","sub":{sub},"replace":false,"series":"#).into(),
            replace: format!(r#"{{"op":"frame","sub":{sub},"replace":true,"series":"#).into(),
        }
    }

    /// The start of an append frame, up to its `series`, shared with direct writes.
    pub(crate) fn append(&self) -> Arc<str> {
        self.append.clone()
    }

    /// `{"op":"frame",...,"series":<series>}` with the topic's shared JSON.
    pub(crate) fn frame(&self, replace: bool, series: &str) -> String {
        let prefix: &str = if replace { &self.replace } else { &self.append };
        let mut out = String::with_capacity(prefix.len() + series.len() + 1);
        out.push_str(prefix);
        out.push_str(series);
        out.push('}');
        out
    }

    /// A replace frame whose series are the concatenation of several topics' arrays.
    pub(crate) fn replace_of<'a>(&self, parts: impl Iterator<Item = &'a str> + Clone) -> String {
        let inner = |p: &'a str| {
            let p = p.trim();
            let p = p.strip_prefix('[').unwrap_or(p);
            p.strip_suffix(']').unwrap_or(p).trim()
        };
        let len: usize = parts.clone().map(|p| p.len() + 1).sum();
        let mut out = String::with_capacity(self.replace.len() + len + 3);
        out.push_str(&self.replace);
        out.push('[');
        let mut first = true;
        for part in parts.map(inner).filter(|p| !p.is_empty()) {
            if !first {
                out.push(',');
            }
            first = false;
            out.push_str(part);
        }
        out.push_str("]}");
        out
    }
}

/// `{"op":"error","sub":...,"message":...}`.
pub(crate) fn error_frame(sub: &str, message: &str) -> String {
    json!({"op": "error", "sub": sub, "message": message}).to_string()
}

/// `{"op":"status","sub":...,"source":"up|down","message":...}`.
pub(crate) fn status_frame(sub: &str, up: bool, message: &str) -> String {
    let source = if up { "up" } else { "down" };
    json!({"op": "status", "sub": sub, "source": source, "message": message}).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_panel_and_stream_subscriptions() {
        let op = parse_client_op(
            r#"{"op":"subscribe","sub":"a","dashboard":"d1","panel":3,"from":"now-1h","to":"now"}"#,
        );
        assert_eq!(
            op,
            Ok(ClientOp::Subscribe {
                sub: "a".into(),
                what: Watch::Panel(Box::new(PanelRequest {
                    dashboard: "d1".into(),
                    panel: 3,
                    from: "now-1h".into(),
                    to: "now".into(),
                    ..PanelRequest::default()
                }))
            })
        );
        let op = parse_client_op(r#"{"op":"subscribe","sub":"b","stream":"plant"}"#);
        assert!(
            matches!(op, Ok(ClientOp::Subscribe { what: Watch::Stream(s), .. }) if s == "plant")
        );
        let op = parse_client_op(r#"{"op":"unsubscribe","sub":"b"}"#);
        assert_eq!(op, Ok(ClientOp::Unsubscribe { sub: "b".into() }));
    }

    #[test]
    fn bad_messages_name_the_problem() {
        let err = |t: &str| parse_client_op(t).unwrap_err();
        assert!(err("{nope").message.contains("malformed JSON"));
        assert!(err("[1]").message.contains("\"op\""));
        let e = err(r#"{"op":"dance","sub":"x"}"#);
        assert_eq!(e.sub, "x");
        assert!(e.message.contains("unknown op \"dance\""), "{}", e.message);
        assert!(err(r#"{"op":"subscribe"}"#).message.contains("\"sub\""));
        assert!(
            err(r#"{"op":"subscribe","sub":"x","dashboard":"d"}"#)
                .message
                .contains("panel")
        );
    }

    #[test]
    fn reads_vars_width_and_shift_of_panel_subscriptions() {
        let op = parse_client_op(
            r#"{"op":"subscribe","sub":"a","dashboard":"d1","panel":3,
                "vars":{"site":["north","south"],"env":"prod"},"maxDataPoints":640,"shift":"1d"}"#,
        );
        let Ok(ClientOp::Subscribe {
            what: Watch::Panel(req),
            ..
        }) = op
        else {
            panic!("{op:?}");
        };
        assert_eq!(
            (req.from.as_str(), req.to.as_str()),
            (DEFAULT_FROM, DEFAULT_TO)
        );
        assert_eq!(req.vars["site"], json!(["north", "south"]));
        assert_eq!(req.max_data_points, Some(640));
        assert_eq!(req.shift.as_deref(), Some("1d"));
    }

    #[test]
    fn reads_inline_subscriptions() {
        let op = parse_client_op(
            r#"{"op":"subscribe","sub":"e","datasource":{"uid":"testdata"},
                "targets":[{"refId":"A","scenarioId":"random_walk"}],"from":"now-15m","to":"now",
                "maxDataPoints":300,"vars":{"x":"1"}}"#,
        );
        let Ok(ClientOp::Subscribe {
            what: Watch::Inline(req),
            ..
        }) = op
        else {
            panic!("{op:?}");
        };
        assert_eq!(req.datasource, Some(json!({"uid": "testdata"})));
        assert_eq!(req.targets.len(), 1);
        assert_eq!(req.from, "now-15m");
        assert_eq!(req.max_data_points, Some(300));
        assert_eq!(req.vars["x"], "1");
        assert_eq!(req.dashboard, None);
    }

    #[test]
    fn bad_new_fields_are_named() {
        let err = |t: &str| parse_client_op(t).unwrap_err().message;
        let panel = r#""op":"subscribe","sub":"x","dashboard":"d","panel":1"#;
        assert!(err(&format!(r#"{{{panel},"vars":[1]}}"#)).contains("\"vars\""));
        assert!(err(&format!(r#"{{{panel},"maxDataPoints":0}}"#)).contains("\"maxDataPoints\""));
        assert!(err(&format!(r#"{{{panel},"maxDataPoints":"wide"}}"#)).contains("maxDataPoints"));
        assert!(err(&format!(r#"{{{panel},"shift":"yesterday"}}"#)).contains("\"shift\""));
        let inline = r#""op":"subscribe","sub":"x""#;
        assert!(err(&format!(r#"{{{inline},"targets":[]}}"#)).contains("\"targets\""));
        assert!(err(&format!(r#"{{{inline},"targets":[{{}},3]}}"#)).contains("\"targets[1]\""));
        assert!(
            err(&format!(r#"{{{inline},"targets":[{{}}],"datasource":5}}"#))
                .contains("\"datasource\"")
        );
        assert!(err(&format!(r#"{{{inline}}}"#)).contains("targets"));
    }

    #[test]
    fn frames_wrap_shared_series_json() {
        let prefix = FramePrefix::new("s\"1");
        let frame = prefix.frame(false, r#"[{"name":"a"}]"#);
        let value: Value = serde_json::from_str(&frame).unwrap();
        assert_eq!(value["sub"], "s\"1");
        assert_eq!(value["replace"], false);
        assert_eq!(value["series"][0]["name"], "a");
        let joined =
            prefix.replace_of([r#"[{"name":"a"}]"#, "[]", r#"[{"name":"b"}]"#].into_iter());
        let value: Value = serde_json::from_str(&joined).unwrap();
        assert_eq!(value["replace"], true);
        assert_eq!(value["series"][1]["name"], "b");
        let empty: Value = serde_json::from_str(&prefix.replace_of(["[]"].into_iter())).unwrap();
        assert_eq!(empty["series"], json!([]));
    }
}
