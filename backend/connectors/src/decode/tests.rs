//! Decoding and topic pattern tests.

use pulsegrid_model::{Labels, Sample, SeriesKey};
use serde_json::json;

use super::*;

fn decode(
    target: serde_json::Value,
    payload: &str,
) -> Result<Vec<(SeriesKey, Sample)>, DecodeError> {
    let decoder = PayloadDecoder::from_target(&target, "topic").unwrap();
    let mut out = Vec::new();
    decoder.decode(payload.as_bytes(), &Labels::new(), 1000, &mut out)?;
    Ok(out)
}

#[test]
fn plain_numbers_and_auto() {
    let out = decode(json!({}), " 7.25\n").unwrap();
    assert_eq!(out[0].0.name, "topic");
    assert_eq!(out[0].1, Sample { t: 1000, v: 7.25 });
    assert!(
        decode(json!({"format": "number"}), "warm")
            .unwrap_err()
            .0
            .contains("expected a number")
    );
}

#[test]
fn json_with_field_labels_and_time() {
    let target = json!({"field": "data.temp", "labels": {"site": "$.site"}, "timeField": "ts", "alias": "boiler"});
    let out = decode(
        target,
        r#"{"site": "north", "ts": 1700000000, "data": {"temp": 80.5}}"#,
    )
    .unwrap();
    assert_eq!(out[0].0.to_string(), r#"boiler{site="north"}"#);
    assert_eq!(
        out[0].1,
        Sample {
            t: 1_700_000_000_000,
            v: 80.5
        }
    );
    let err = decode(json!({"field": "data.pressure"}), r#"{"data": {}}"#).unwrap_err();
    assert!(err.0.contains("data.pressure not found"), "{err}");
    let err = decode(json!({"field": "a"}), r#"{"a": "high"}"#).unwrap_err();
    assert!(err.0.contains("expected a number, found a string"), "{err}");
    let err = decode(json!({"format": "json"}), "{broken").unwrap_err();
    assert!(err.0.contains("invalid JSON at 1:2"), "{err}");
    let batch = decode(json!({"field": "v"}), r#"[{"v": 1}, {"v": 2}]"#).unwrap();
    assert_eq!(batch.len(), 2);
    let pointer = decode(json!({"field": "/readings/1"}), r#"{"readings": [1, 2]}"#).unwrap();
    assert_eq!(pointer[0].1.v, 2.0);
}

#[test]
fn line_protocol_payloads() {
    let out = decode(
        json!({"format": "influx"}),
        "boiler,site=a temp=80.5 1700000000000000000\nboiler value=1 1700000000000000000",
    )
    .unwrap();
    assert_eq!(out.len(), 2);
    assert_eq!(out[0].0.to_string(), r#"boiler_temp{site="a"}"#);
    assert_eq!(out[0].1.t, 1_700_000_000_000);
    assert!(decode(json!({"format": "influx"}), "boiler temp=").is_err());
}

#[test]
fn bad_target_fields_are_named() {
    let err = PayloadDecoder::from_target(&json!({"format": "xml"}), "t").unwrap_err();
    assert!(err.to_string().contains("format"), "{err}");
    let err = PayloadDecoder::from_target(&json!({"field": "a[x]"}), "t").unwrap_err();
    assert!(err.to_string().contains("field"), "{err}");
}

#[test]
fn mqtt_topic_labels() {
    let p = TopicPattern::parse("plant/+boiler/temp", WildcardStyle::Mqtt).unwrap();
    assert_eq!(p.filter(), "plant/+/temp");
    assert_eq!(p.labels("plant/b1/temp").unwrap().get("boiler"), Some("b1"));
    assert!(p.labels("plant/b1/pressure").is_none());
    assert!(p.labels("plant/b1/temp/x").is_none());
    let rest = TopicPattern::parse("plant/#path", WildcardStyle::Mqtt).unwrap();
    assert_eq!(rest.filter(), "plant/#");
    assert_eq!(rest.labels("plant/a/b").unwrap().get("path"), Some("a/b"));
    assert!(TopicPattern::parse("a/#/b", WildcardStyle::Mqtt).is_err());
}

#[test]
fn nats_subject_labels() {
    let p = TopicPattern::parse("plant.*line.>", WildcardStyle::Nats).unwrap();
    assert_eq!(p.filter(), "plant.*.>");
    let labels = p.labels("plant.l1.speed.now").unwrap();
    assert_eq!(labels.get("line"), Some("l1"));
    assert!(p.labels("plant.l1").is_none(), "> needs at least one token");
}
