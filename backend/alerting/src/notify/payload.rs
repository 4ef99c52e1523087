//! What receivers get: Alertmanager's template data, its webhook payload (version "4"), the
//! Pulsegrid HMAC signature header, and email subject, text and HTML bodies.
//!
//! The webhook JSON has Alertmanager's fields and order: `receiver`, `status`, `alerts`
//! (`status`, `labels`, `annotations`, `startsAt`, `endsAt` — `0001-01-01T00:00:00Z` while
//! firing — `generatorURL`, `fingerprint`), `groupLabels`, `commonLabels`,
//! `commonAnnotations`, `externalURL`, `version`, `groupKey`, `truncatedAlerts`. Like
//! Alertmanager, `receiver` is regex-quoted (`regexp.QuoteMeta`) and `max_alerts` truncates
//! before the common labels are computed. Unlike Go's encoder, `<`, `>` and `&` are not
//! written as `\u003c` escapes (the same JSON value).

use std::fmt::Write as _;

use hmac::{Hmac, Mac};
use pulsegrid_model::Labels;
use serde::Serialize;
use sha2::Sha256;

use super::alert::Alert;
use super::group::Notification;
use super::timestamp::{ZERO_TIME, format_rfc3339};

/// The payload version Alertmanager's webhook sends.
pub const WEBHOOK_VERSION: &str = "4";

/// The header carrying the HMAC-SHA256 signature of a webhook body.
pub const SIGNATURE_HEADER: &str = "X-Pulsegrid-Signature";

/// One alert in template data and payloads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TemplateAlert {
    /// `firing` or `resolved`.
    pub status: String,
    /// Labels.
    pub labels: Labels,
    /// Annotations.
    pub annotations: Labels,
    /// RFC 3339.
    pub starts_at: String,
    /// RFC 3339, Go's zero time while firing.
    pub ends_at: String,
    /// Link to the rule.
    #[serde(rename = "generatorURL")]
    pub generator_url: String,
    /// 16 hex digits.
    pub fingerprint: String,
}

/// Alertmanager's `template.Data`: what templates and payloads are made of.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TemplateData {
    /// The receiver's name, regex-quoted as Alertmanager does.
    pub receiver: String,
    /// `firing` if any alert fires.
    pub status: String,
    /// The alerts.
    pub alerts: Vec<TemplateAlert>,
    /// The group's labels.
    pub group_labels: Labels,
    /// Labels every alert has with the same value.
    pub common_labels: Labels,
    /// Annotations every alert has with the same value.
    pub common_annotations: Labels,
    /// Pulsegrid's base URL.
    #[serde(rename = "externalURL")]
    pub external_url: String,
}

/// Alertmanager's webhook message, version 4.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookMessage {
    /// The template data, flattened.
    #[serde(flatten)]
    pub data: TemplateData,
    /// `"4"`.
    pub version: String,
    /// The group key.
    pub group_key: String,
    /// How many alerts `max_alerts` left out.
    pub truncated_alerts: u64,
}

/// Go's `regexp.QuoteMeta`.
fn quote_meta(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if r"\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn common(sets: &[&Labels]) -> Labels {
    let Some((first, rest)) = sets.split_first() else {
        return Labels::new();
    };
    first
        .iter()
        .filter(|(k, v)| rest.iter().all(|s| s.get(k) == Some(*v)))
        .collect()
}

impl TemplateData {
    /// The data for these alerts of a notification.
    pub fn new(n: &Notification, alerts: &[&Alert], external_url: &str) -> Self {
        let firing = alerts.iter().any(|a| !a.is_resolved_at(n.at));
        let labels: Vec<&Labels> = alerts.iter().map(|a| &a.labels).collect();
        let annotations: Vec<&Labels> = alerts.iter().map(|a| &a.annotations).collect();
        TemplateData {
            receiver: quote_meta(&n.receiver),
            status: if firing { "firing" } else { "resolved" }.into(),
            alerts: alerts
                .iter()
                .map(|a| {
                    let resolved = a.is_resolved_at(n.at);
                    TemplateAlert {
                        status: a.status_at(n.at).as_str().into(),
                        labels: a.labels.clone(),
                        annotations: a.annotations.clone(),
                        starts_at: format_rfc3339(a.starts_at),
                        ends_at: match (resolved, a.ends_at) {
                            (true, Some(end)) => format_rfc3339(end),
                            _ => ZERO_TIME.into(),
                        },
                        generator_url: a.generator_url.clone(),
                        fingerprint: a.fingerprint().to_string(),
                    }
                })
                .collect(),
            group_labels: n.group_labels.clone(),
            common_labels: common(&labels),
            common_annotations: common(&annotations),
            external_url: external_url.to_owned(),
        }
    }

    /// The firing alerts.
    pub fn firing(&self) -> impl Iterator<Item = &TemplateAlert> {
        self.alerts.iter().filter(|a| a.status == "firing")
    }

    /// The resolved alerts.
    pub fn resolved(&self) -> impl Iterator<Item = &TemplateAlert> {
        self.alerts.iter().filter(|a| a.status == "resolved")
    }
}

/// The webhook message for one integration: its `send_resolved` and `max_alerts` applied.
/// `None` when the integration has nothing to send.
pub fn webhook_message(
    n: &Notification,
    send_resolved: bool,
    max_alerts: u64,
    external_url: &str,
) -> Option<WebhookMessage> {
    let mut alerts = n.alerts_for(send_resolved);
    if alerts.is_empty() {
        return None;
    }
    let mut truncated = 0;
    if max_alerts > 0 && alerts.len() as u64 > max_alerts {
        truncated = alerts.len() as u64 - max_alerts;
        alerts.truncate(usize::try_from(max_alerts).unwrap_or(usize::MAX));
    }
    Some(WebhookMessage {
        data: TemplateData::new(n, &alerts, external_url),
        version: WEBHOOK_VERSION.into(),
        group_key: n.group_key.clone(),
        truncated_alerts: truncated,
    })
}

impl WebhookMessage {
    /// The request body.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }
}

/// `sha256=<hex>`: the HMAC-SHA256 of `body` keyed with `secret`, the value of
/// [`SIGNATURE_HEADER`].
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC accepts any key length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Whether `header` is the signature of `body` under `secret` (constant-time comparison).
pub fn verify_signature(secret: &[u8], body: &[u8], header: &str) -> bool {
    let Some(hex_sig) = header.strip_prefix("sha256=") else {
        return false;
    };
    let Ok(sig) = hex::decode(hex_sig) else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC accepts any key length");
    mac.update(body);
    mac.verify_slice(&sig).is_ok()
}

/// An email's subject and bodies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailMessage {
    /// Alertmanager's default subject.
    pub subject: String,
    /// A plain-text body, readable on its own.
    pub text: String,
    /// An HTML body, every value escaped.
    pub html: String,
}

/// Label values with `alertname` first, the rest by name (Go's `KV.SortedPairs().Values()`).
fn values_alertname_first(labels: &Labels) -> Vec<&str> {
    let mut out: Vec<&str> = labels.get("alertname").into_iter().collect();
    out.extend(
        labels
            .iter()
            .filter(|(k, _)| *k != "alertname")
            .map(|(_, v)| v),
    );
    out
}

/// Alertmanager's default subject: `[FIRING:2] HighLatency api (prod critical)`.
pub fn email_subject(d: &TemplateData) -> String {
    let mut s = format!("[{}", d.status.to_uppercase());
    if d.status == "firing" {
        let _ = write!(s, ":{}", d.firing().count());
    }
    s.push_str("] ");
    s.push_str(&values_alertname_first(&d.group_labels).join(" "));
    if d.common_labels.len() > d.group_labels.len() {
        let rest: Labels = d
            .common_labels
            .iter()
            .filter(|(k, _)| d.group_labels.get(k).is_none())
            .collect();
        let _ = write!(s, " ({})", values_alertname_first(&rest).join(" "));
    }
    s.trim_end().to_owned()
}

fn pairs(labels: &Labels) -> String {
    labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn text_alert(out: &mut String, a: &TemplateAlert) {
    let name = a.labels.get("alertname").unwrap_or("(no alertname)");
    let _ = writeln!(out, "- {name}");
    let _ = writeln!(out, "  Labels: {}", pairs(&a.labels));
    for (k, v) in a.annotations.iter() {
        let _ = writeln!(out, "  {k}: {v}");
    }
    let _ = writeln!(out, "  Started: {}", a.starts_at);
    if a.status == "resolved" {
        let _ = writeln!(out, "  Resolved: {}", a.ends_at);
    }
    if !a.generator_url.is_empty() {
        let _ = writeln!(out, "  Source: {}", a.generator_url);
    }
}

/// A plain-text body listing firing then resolved alerts with labels, annotations and times.
pub fn email_text(d: &TemplateData) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}\n", email_subject(d));
    let firing: Vec<_> = d.firing().collect();
    let resolved: Vec<_> = d.resolved().collect();
    if !firing.is_empty() {
        let _ = writeln!(out, "Firing ({}):", firing.len());
        for a in firing {
            text_alert(&mut out, a);
        }
        out.push('\n');
    }
    if !resolved.is_empty() {
        let _ = writeln!(out, "Resolved ({}):", resolved.len());
        for a in resolved {
            text_alert(&mut out, a);
        }
        out.push('\n');
    }
    if !d.external_url.is_empty() {
        let _ = writeln!(out, "Pulsegrid: {}", d.external_url);
    }
    let _ = writeln!(out, "Receiver: {}", d.receiver);
    out
}

/// Escapes text for HTML content and attribute values.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn html_alerts(out: &mut String, title: &str, alerts: &[&TemplateAlert], color: &str) {
    if alerts.is_empty() {
        return;
    }
    let _ = write!(
        out,
        "<h2 style=\"color:{color}\">{} ({})</h2>\n<table border=\"1\" cellpadding=\"4\" cellspacing=\"0\">\n",
        html_escape(title),
        alerts.len()
    );
    for a in alerts {
        let _ = write!(
            out,
            "<tr><td><strong>{}</strong><br>",
            html_escape(a.labels.get("alertname").unwrap_or(""))
        );
        for (k, v) in a.labels.iter() {
            let _ = write!(out, "{} = {}<br>", html_escape(k), html_escape(v));
        }
        for (k, v) in a.annotations.iter() {
            let _ = write!(out, "<em>{}</em>: {}<br>", html_escape(k), html_escape(v));
        }
        let _ = write!(out, "Started: {}", html_escape(&a.starts_at));
        if a.status == "resolved" {
            let _ = write!(out, "<br>Resolved: {}", html_escape(&a.ends_at));
        }
        if !a.generator_url.is_empty() {
            let _ = write!(
                out,
                "<br><a href=\"{}\">Source</a>",
                html_escape(&a.generator_url)
            );
        }
        out.push_str("</td></tr>\n");
    }
    out.push_str("</table>\n");
}

/// An HTML body: the same content as [`email_text`], every value escaped.
pub fn email_html(d: &TemplateData) -> String {
    let mut out = String::from("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>");
    out.push_str(&html_escape(&email_subject(d)));
    out.push_str("</title></head>\n<body style=\"font-family:sans-serif\">\n");
    let _ = writeln!(out, "<h1>{}</h1>", html_escape(&email_subject(d)));
    let firing: Vec<_> = d.firing().collect();
    let resolved: Vec<_> = d.resolved().collect();
    html_alerts(&mut out, "Firing", &firing, "#c0392b");
    html_alerts(&mut out, "Resolved", &resolved, "#27ae60");
    if !d.external_url.is_empty() {
        let _ = writeln!(
            out,
            "<p><a href=\"{0}\">{0}</a></p>",
            html_escape(&d.external_url)
        );
    }
    out.push_str("</body></html>\n");
    out
}

/// The email for one integration (its `send_resolved` applied), or `None` if nothing to send.
pub fn email_message(
    n: &Notification,
    send_resolved: bool,
    external_url: &str,
) -> Option<EmailMessage> {
    let alerts = n.alerts_for(send_resolved);
    if alerts.is_empty() {
        return None;
    }
    let d = TemplateData::new(n, &alerts, external_url);
    Some(EmailMessage {
        subject: email_subject(&d),
        text: email_text(&d),
        html: email_html(&d),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_meta_like_go() {
        assert_eq!(quote_meta("team-a.b"), r"team-a\.b");
        assert_eq!(quote_meta("plain"), "plain");
    }

    #[test]
    fn signatures() {
        // RFC 4231 test case 2.
        let sig = signature(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            sig,
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert!(verify_signature(
            b"Jefe",
            b"what do ya want for nothing?",
            &sig
        ));
        assert!(!verify_signature(b"Jefe", b"tampered", &sig));
        assert!(!verify_signature(b"Jefe", b"x", "md5=00"));
    }

    #[test]
    fn escaping() {
        assert_eq!(
            html_escape(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
