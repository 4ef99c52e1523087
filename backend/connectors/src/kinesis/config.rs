//! [`KinesisConfig`]: what a `type: kinesis` datasource's provisioning says.

use pulsegrid_model::DatasourceConfig;
use reqwest::Url;

use super::sigv4::Credentials;
use crate::error::Result;
use crate::settings::Settings;

/// The region when `jsonData.defaultRegion` is unset.
const DEFAULT_REGION: &str = "us-east-1";
/// GetRecords interval per shard when `jsonData.pollInterval` is unset (Kinesis allows five
/// GetRecords calls per shard and second).
const DEFAULT_POLL_INTERVAL_MS: u64 = 200;

/// An Amazon Kinesis datasource's settings.
///
/// Read from `jsonData.defaultRegion` (as Grafana's CloudWatch datasource), `jsonData.endpoint`
/// (e.g. kinesalite or LocalStack; default `https://kinesis.<region>.amazonaws.com`),
/// `secureJsonData.accessKey` / `secretKey` / `sessionToken` (else the `AWS_ACCESS_KEY_ID`,
/// `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN` environment variables) and
/// `jsonData.pollInterval`. `Debug` shows no secret.
#[derive(Clone, Debug)]
pub struct KinesisConfig {
    /// The AWS region requests are signed for.
    pub(crate) region: String,
    /// The API endpoint.
    pub(crate) endpoint: Url,
    /// The signing credentials.
    pub(crate) credentials: Credentials,
    /// The pause between GetRecords rounds over the shards, in ms.
    pub(crate) poll_interval_ms: u64,
}

impl KinesisConfig {
    /// Reads the settings of `ds`; errors name the field.
    pub fn from_datasource(ds: &DatasourceConfig) -> Result<Self> {
        let s = Settings::new(ds);
        let region = s
            .json_str("defaultRegion")?
            .unwrap_or(DEFAULT_REGION)
            .to_owned();
        let endpoint_text = match s.json_str("endpoint")? {
            Some(e) => e.to_owned(),
            None => format!("https://kinesis.{region}.amazonaws.com"),
        };
        let endpoint = Url::parse(&endpoint_text)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
            .ok_or_else(|| {
                s.error(format!(
                    "`jsonData.endpoint` must be an http(s) URL, found {endpoint_text:?}"
                ))
            })?;
        let env = |key: &str| std::env::var(key).ok().filter(|v| !v.is_empty());
        let access_key = s
            .secret("accessKey")
            .map(str::to_owned)
            .or_else(|| env("AWS_ACCESS_KEY_ID"));
        let secret_key = s
            .secret("secretKey")
            .map(str::to_owned)
            .or_else(|| env("AWS_SECRET_ACCESS_KEY"));
        let (Some(access_key), Some(secret_key)) = (access_key, secret_key) else {
            return Err(s.error(
                "`secureJsonData.accessKey` and `secureJsonData.secretKey` are required \
                 (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment)",
            ));
        };
        let session_token = s
            .secret("sessionToken")
            .map(str::to_owned)
            .or_else(|| env("AWS_SESSION_TOKEN"));
        let poll_interval_ms = match s.json_duration_ms("pollInterval")? {
            None => DEFAULT_POLL_INTERVAL_MS,
            Some(ms) if ms >= 10 => ms.unsigned_abs(),
            Some(ms) => {
                return Err(s.error(format!(
                    "`jsonData.pollInterval` must be at least 10ms, found {ms}ms"
                )));
            }
        };
        Ok(KinesisConfig {
            region,
            endpoint,
            credentials: Credentials {
                access_key,
                secret_key,
                session_token,
            },
            poll_interval_ms,
        })
    }

    /// The API endpoint.
    pub fn endpoint(&self) -> &str {
        self.endpoint.as_str()
    }

    /// The region.
    pub fn region(&self) -> &str {
        &self.region
    }
}
