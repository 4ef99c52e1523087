//! The WebSocket protocol's messages: reading client ops, writing server frames.
//!
//! Frame messages are assembled from a per-subscription prefix (the `sub` id escaped once)
//! and the topic's shared `series` JSON, so nothing is serialized per client.

use serde_json::{Value, json};

/// The window a panel subscription gets when the client names none.
pub(crate) const DEFAULT_FROM: &str = "now-5m";
/// See [`DEFAULT_FROM`].
pub(crate) const DEFAULT_TO: &str = "now";

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
    Panel {
        dashboard: String,
        panel: i64,
        from: String,
        to: String,
    },
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
    let Some(dashboard) = text_field("dashboard")? else {
        return Err(fail(
            "subscribe: expected \"dashboard\" and \"panel\", or \"stream\"".into(),
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
        what: Watch::Panel {
            dashboard,
            panel,
            from: text_field("from")?.unwrap_or_else(|| DEFAULT_FROM.to_owned()),
            to: text_field("to")?.unwrap_or_else(|| DEFAULT_TO.to_owned()),
        },
    })
}

/// The two frame prefixes of one subscription, `sub` escaped once.
#[derive(Debug)]
pub(crate) struct FramePrefix {
    append: Box<str>,
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

    /// `{"op":"frame",...,"series":<series>}` with the topic's shared JSON.
    pub(crate) fn frame(&self, replace: bool, series: &str) -> String {
        let prefix = if replace { &self.replace } else { &self.append };
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
                what: Watch::Panel {
                    dashboard: "d1".into(),
                    panel: 3,
                    from: "now-1h".into(),
                    to: "now".into()
                }
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
