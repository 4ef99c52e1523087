//! The Kinesis API calls the source needs (ListShards, GetShardIterator, GetRecords), as
//! signed JSON over HTTP.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use serde_json::{Value, json};

use super::config::KinesisConfig;
use super::sigv4::{SigningRequest, amz_date, authorization};

/// How long one API call may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ApiError {
    /// Too many calls on a shard or account: back off and retry.
    #[error("throttled: {0}")]
    Throttled(String),
    /// The shard iterator expired (five minutes unused): get a new one.
    #[error("shard iterator expired")]
    ExpiredIterator,
    /// The request was refused as invalid, e.g. a starting sequence number that is no longer
    /// in the shard (trimmed) or comes from an earlier stream of the same name.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The endpoint could not be reached, or answered with an error.
    #[error("{0}")]
    Failed(String),
}

/// One record's partition key, data and sequence number.
#[derive(Debug, Clone)]
pub(crate) struct Record {
    /// Its sequence number in the shard (where to resume after it).
    pub(crate) sequence: String,
    /// The partition key.
    pub(crate) partition_key: String,
    /// The decoded data.
    pub(crate) data: Vec<u8>,
}

/// A shard as ListShards describes it.
#[derive(Debug, Clone)]
pub(crate) struct Shard {
    /// Its id.
    pub(crate) id: String,
    /// The shards it was split or merged from (`ParentShardId`, `AdjacentParentShardId`).
    pub(crate) parents: Vec<String>,
}

/// Where a shard iterator starts.
#[derive(Debug, Clone, Copy)]
pub(crate) enum IteratorStart<'a> {
    /// After the newest record (`LATEST`).
    Latest,
    /// At the oldest record kept (`TRIM_HORIZON`).
    TrimHorizon,
    /// At the first record at or after this unix ms (`AT_TIMESTAMP`).
    AtTimestamp(i64),
    /// Just after this sequence number (`AFTER_SEQUENCE_NUMBER`).
    AfterSequence(&'a str),
}

/// A signed Kinesis API client.
#[derive(Debug, Clone)]
pub(crate) struct KinesisApi {
    http: reqwest::Client,
    config: KinesisConfig,
    authority: String,
}

impl KinesisApi {
    /// A client for `config`.
    pub(crate) fn new(config: KinesisConfig, http: reqwest::Client) -> Self {
        let host = config.endpoint.host_str().unwrap_or_default();
        let authority = match config.endpoint.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        };
        KinesisApi {
            http,
            config,
            authority,
        }
    }

    /// Calls `Kinesis_20131202.<action>` with a JSON body.
    pub(crate) async fn call(&self, action: &str, body: &Value) -> Result<Value, ApiError> {
        let body = body.to_string().into_bytes();
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(0));
        let date = amz_date(now_ms);
        let target = format!("Kinesis_20131202.{action}");
        let content_type = "application/x-amz-json-1.1";
        let mut headers = vec![
            ("content-type", content_type),
            ("host", self.authority.as_str()),
            ("x-amz-date", date.as_str()),
            ("x-amz-target", target.as_str()),
        ];
        let token = self.config.credentials.session_token.clone();
        if let Some(token) = &token {
            headers.push(("x-amz-security-token", token.as_str()));
        }
        let auth = authorization(
            &self.config.credentials,
            &self.config.region,
            "kinesis",
            &date,
            &SigningRequest {
                method: "POST",
                path: self.config.endpoint.path(),
                query: "",
                headers: &headers,
                body: &body,
            },
        );
        let mut request = self
            .http
            .post(self.config.endpoint.clone())
            .timeout(CALL_TIMEOUT)
            .header("authorization", auth);
        for (name, value) in headers.iter().filter(|(n, _)| *n != "host") {
            request = request.header(*name, *value);
        }
        let response =
            request.body(body).send().await.map_err(|e| {
                ApiError::Failed(format!("cannot reach {}: {e}", self.config.endpoint))
            })?;
        let status = response.status();
        let text = response
            .text()
            .await
            .map_err(|e| ApiError::Failed(format!("reading the answer to {action}: {e}")))?;
        let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if status.is_success() {
            return Ok(value);
        }
        let kind = value
            .get("__type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let kind = kind.rsplit('#').next().unwrap_or(kind);
        let message = value
            .get("message")
            .or_else(|| value.get("Message"))
            .and_then(Value::as_str)
            .unwrap_or(text.as_str());
        Err(match kind {
            "ProvisionedThroughputExceededException" | "LimitExceededException" => {
                ApiError::Throttled(message.to_owned())
            }
            "ExpiredIteratorException" => ApiError::ExpiredIterator,
            "InvalidArgumentException" => ApiError::InvalidArgument(message.to_owned()),
            _ => ApiError::Failed(format!("{action}: {status} {kind} {message}")),
        })
    }

    /// All shards of `stream` (open and closed), with their parents.
    pub(crate) async fn list_shards(&self, stream: &str) -> Result<Vec<Shard>, ApiError> {
        let mut shards = Vec::new();
        let mut body = json!({"StreamName": stream});
        loop {
            let answer = self.call("ListShards", &body).await?;
            let text = |s: &Value, key: &str| s.get(key).and_then(Value::as_str).map(str::to_owned);
            shards.extend(
                answer
                    .get("Shards")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|s| {
                        Some(Shard {
                            id: text(s, "ShardId")?,
                            parents: [text(s, "ParentShardId"), text(s, "AdjacentParentShardId")]
                                .into_iter()
                                .flatten()
                                .collect(),
                        })
                    }),
            );
            match answer.get("NextToken").and_then(Value::as_str) {
                Some(token) => body = json!({"NextToken": token}),
                None => return Ok(shards),
            }
        }
    }

    /// An iterator of `shard` at `start`.
    pub(crate) async fn shard_iterator(
        &self,
        stream: &str,
        shard: &str,
        start: IteratorStart<'_>,
    ) -> Result<String, ApiError> {
        let at =
            |kind: &str| json!({"StreamName": stream, "ShardId": shard, "ShardIteratorType": kind});
        let body = match start {
            IteratorStart::Latest => at("LATEST"),
            IteratorStart::TrimHorizon => at("TRIM_HORIZON"),
            IteratorStart::AtTimestamp(ms) => json!({"StreamName": stream, "ShardId": shard,
                "ShardIteratorType": "AT_TIMESTAMP", "Timestamp": ms as f64 / 1000.0}),
            IteratorStart::AfterSequence(sequence) => json!({"StreamName": stream,
                "ShardId": shard, "ShardIteratorType": "AFTER_SEQUENCE_NUMBER",
                "StartingSequenceNumber": sequence}),
        };
        let answer = self.call("GetShardIterator", &body).await?;
        answer
            .get("ShardIterator")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| ApiError::Failed("GetShardIterator: no ShardIterator".into()))
    }

    /// The next records and the next iterator (None when the shard is closed and read).
    pub(crate) async fn get_records(
        &self,
        iterator: &str,
    ) -> Result<(Vec<Record>, Option<String>), ApiError> {
        let answer = self
            .call(
                "GetRecords",
                &json!({"ShardIterator": iterator, "Limit": 1000}),
            )
            .await?;
        let b64 = base64::engine::general_purpose::STANDARD;
        let records = answer
            .get("Records")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|r| {
                let data = b64.decode(r.get("Data")?.as_str()?).ok()?;
                let partition_key = r.get("PartitionKey")?.as_str()?.to_owned();
                let sequence = r.get("SequenceNumber")?.as_str()?.to_owned();
                Some(Record {
                    sequence,
                    partition_key,
                    data,
                })
            })
            .collect();
        let next = answer
            .get("NextShardIterator")
            .and_then(Value::as_str)
            .map(str::to_owned);
        Ok((records, next))
    }
}
