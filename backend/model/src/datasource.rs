//! Datasources as Grafana's provisioning YAML describes them (`apiVersion: 1`,
//! `datasources:`, `deleteDatasources:`), so users bring their existing files unchanged.
//!
//! Reading is two steps, as provisioning from a directory needs: [`DatasourceProvisioning::from_yaml_str`]
//! parses one file (YAML syntax, field types, `$VAR` expansion), then
//! [`DatasourceProvisioning::merge`] combines the files and checks what only the whole set
//! can tell (known types, unique names and uids, one default).

mod env;
mod merge;
mod yaml;

use std::collections::BTreeMap;
use std::fmt;

use crate::error::{ModelError, Result, ValidationError, strip_location};

/// The kinds of source Pulsegrid can query or subscribe to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DatasourceKind {
    /// Prometheus HTTP API (also VictoriaMetrics, Thanos, Mimir).
    Prometheus,
    /// InfluxDB (InfluxQL, or Flux where available).
    Influxdb,
    /// PostgreSQL / TimescaleDB SQL.
    Postgres,
    /// The built-in test data generator.
    Testdata,
    /// Pulsegrid's own series: ingested, pushed, and its metrics.
    Pulsegrid,
    /// An MQTT broker.
    Mqtt,
    /// NATS (core and JetStream).
    Nats,
    /// Apache Kafka.
    Kafka,
    /// Redis pub/sub and streams.
    Redis,
    /// AMQP (RabbitMQ).
    Amqp,
    /// Amazon Kinesis.
    Kinesis,
    /// An upstream WebSocket feed.
    Websocket,
}

impl DatasourceKind {
    /// Every kind, in the order error messages list them.
    pub const ALL: [DatasourceKind; 12] = [
        Self::Prometheus,
        Self::Influxdb,
        Self::Postgres,
        Self::Testdata,
        Self::Pulsegrid,
        Self::Mqtt,
        Self::Nats,
        Self::Kafka,
        Self::Redis,
        Self::Amqp,
        Self::Kinesis,
        Self::Websocket,
    ];

    /// The kind a provisioning `type` names: Pulsegrid's ids and the Grafana plugin ids
    /// users already have (`grafana-postgresql-datasource`, `TestData`, ...); case-insensitive.
    pub fn parse(type_name: &str) -> Option<Self> {
        let kind = match type_name.to_ascii_lowercase().as_str() {
            "prometheus" => Self::Prometheus,
            "influxdb" => Self::Influxdb,
            "postgres" | "grafana-postgresql-datasource" => Self::Postgres,
            "testdata" | "grafana-testdata-datasource" => Self::Testdata,
            "pulsegrid" => Self::Pulsegrid,
            "mqtt" | "grafana-mqtt-datasource" => Self::Mqtt,
            "nats" => Self::Nats,
            "kafka" | "hamedkarbasi93-kafka-datasource" => Self::Kafka,
            "redis" | "redis-datasource" => Self::Redis,
            "amqp" | "rabbitmq" => Self::Amqp,
            "kinesis" => Self::Kinesis,
            "websocket" | "golioth-websocket-datasource" => Self::Websocket,
            _ => return None,
        };
        Some(kind)
    }

    /// Pulsegrid's id for the kind (what [`serde::Serialize`] writes).
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Prometheus => "prometheus",
            Self::Influxdb => "influxdb",
            Self::Postgres => "postgres",
            Self::Testdata => "testdata",
            Self::Pulsegrid => "pulsegrid",
            Self::Mqtt => "mqtt",
            Self::Nats => "nats",
            Self::Kafka => "kafka",
            Self::Redis => "redis",
            Self::Amqp => "amqp",
            Self::Kinesis => "kinesis",
            Self::Websocket => "websocket",
        }
    }
}

impl fmt::Display for DatasourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One datasource, as Grafana's provisioning YAML describes it.
///
/// `Debug` does not print secrets: only the keys of `secure_json_data`.
#[derive(Clone, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DatasourceConfig {
    /// The name dashboards and the UI show; unique among datasources.
    pub name: String,
    /// The `type` as written: a Pulsegrid id or a Grafana plugin id (see [`Self::kind`]).
    #[serde(rename = "type")]
    pub type_name: String,
    /// The stable id dashboards reference (`{"type": ..., "uid": ...}`).
    #[serde(default)]
    pub uid: Option<String>,
    /// Where the source is (`http://prometheus:9090`, `db:5432`, `mqtt://broker:1883`).
    #[serde(default)]
    pub url: Option<String>,
    /// Grafana's `proxy` or `direct`; kept for compatibility (Pulsegrid always proxies).
    #[serde(default)]
    pub access: Option<String>,
    /// The datasource used by panels that name none.
    #[serde(default)]
    pub is_default: bool,
    /// Grafana organisation (Grafana's default is 1).
    #[serde(default)]
    pub org_id: Option<i64>,
    /// User name (InfluxDB, PostgreSQL).
    #[serde(default)]
    pub user: Option<String>,
    /// Database name (InfluxDB v1; PostgreSQL may also have it in `jsonData.database`).
    #[serde(default)]
    pub database: Option<String>,
    /// Whether to send HTTP basic auth (password in `secureJsonData.basicAuthPassword`).
    #[serde(default)]
    pub basic_auth: bool,
    /// Basic auth user name.
    #[serde(default)]
    pub basic_auth_user: Option<String>,
    /// Grafana's "send cookies and credentials with cross-site requests".
    #[serde(default)]
    pub with_credentials: bool,
    /// Type-specific settings (`httpMethod`, `timeInterval`, `sslmode`, `topic`, ...).
    #[serde(default)]
    pub json_data: serde_json::Map<String, serde_json::Value>,
    /// Type-specific secrets (`password`, `basicAuthPassword`, `httpHeaderValue1`, ...).
    /// Legacy top-level `password`/`basicAuthPassword` are moved here, as Grafana does.
    #[serde(default)]
    pub secure_json_data: BTreeMap<String, String>,
    /// Provisioning version; Grafana only updates a datasource to a higher version.
    #[serde(default)]
    pub version: Option<i64>,
    /// Whether the UI may edit it.
    #[serde(default)]
    pub editable: bool,
}

impl DatasourceConfig {
    /// The kind its `type` names, `None` for a type Pulsegrid does not know.
    pub fn kind(&self) -> Option<DatasourceKind> {
        DatasourceKind::parse(&self.type_name)
    }

    /// The uid when it has a non-empty one, else the name: what identifies it.
    pub fn uid_or_name(&self) -> &str {
        self.uid
            .as_deref()
            .filter(|uid| !uid.is_empty())
            .unwrap_or(&self.name)
    }
}

impl fmt::Debug for DatasourceConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        /// Prints a secret map as its keys only.
        struct Keys<'a>(&'a BTreeMap<String, String>);
        impl fmt::Debug for Keys<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_set().entries(self.0.keys()).finish()
            }
        }
        f.debug_struct("DatasourceConfig")
            .field("name", &self.name)
            .field("type_name", &self.type_name)
            .field("uid", &self.uid)
            .field("url", &self.url)
            .field("access", &self.access)
            .field("is_default", &self.is_default)
            .field("org_id", &self.org_id)
            .field("user", &self.user)
            .field("database", &self.database)
            .field("basic_auth", &self.basic_auth)
            .field("basic_auth_user", &self.basic_auth_user)
            .field("with_credentials", &self.with_credentials)
            .field("json_data", &self.json_data)
            .field("secure_json_data", &Keys(&self.secure_json_data))
            .field("version", &self.version)
            .field("editable", &self.editable)
            .finish()
    }
}

/// The datasources of one provisioning file, or of several merged.
#[derive(Debug, Clone, Default)]
pub struct DatasourceProvisioning {
    /// Datasources to create or update, in file order.
    pub datasources: Vec<DatasourceConfig>,
    /// Datasources to delete: name and `orgId`.
    pub delete_datasources: Vec<(String, Option<i64>)>,
}

impl DatasourceProvisioning {
    /// Parse one YAML file (`apiVersion: 1`, `datasources:`, `deleteDatasources:`). Expands $VAR and ${VAR} from the environment in string values as Grafana does (via a closure param for testability: `lookup: &dyn Fn(&str)->Option<String>`; unknown vars become ""); `$$` is a literal `$`.
    ///
    /// Checks the file's shape and field types (collecting every problem); what needs the
    /// whole set of files (known types, duplicates) is checked by [`Self::merge`]. Unknown
    /// keys are ignored, as Grafana does. Like Grafana's own parser, a field that wants a
    /// boolean or an integer also takes a string spelling one (`isDefault: ${DEFAULT}`).
    pub fn from_yaml_str(
        text: &str,
        origin: &str,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self> {
        let mut root: serde_yaml_ng::Value =
            serde_yaml_ng::from_str(text).map_err(|e| syntax_error(&e, origin))?;
        let invalid = |errors| ModelError::Invalid {
            origin: origin.to_owned(),
            errors,
        };
        root.apply_merge()
            .map_err(|e| invalid(vec![ValidationError::new("", e.to_string())]))?;
        env::expand_strings(&mut root, lookup);
        yaml::read_file(&root).map_err(invalid)
    }

    /// Merge several files (later wins by name); validate: unknown `type` -> Invalid with path `datasources[i].type` and the list of known types; duplicate uid or name -> Invalid; missing name -> error with path; apiVersion must be 1 if present.
    ///
    /// Each pair is the file's origin and its content. A name twice in one file is an error;
    /// in a later file it replaces the earlier definition (keeping its position). The uid
    /// check and "one default per organisation" run on the merged set, and an error is
    /// reported against the later file. When several files are wrong, the error is the
    /// first one's (apiVersion is checked by [`Self::from_yaml_str`], which sees it).
    pub fn merge(files: Vec<(String, Self)>) -> Result<Self> {
        merge::merge(files)
    }
}

/// A YAML syntax error with its 1-based location (0:0 when the parser gave none).
fn syntax_error(error: &serde_yaml_ng::Error, origin: &str) -> ModelError {
    let (line, column) = error
        .location()
        .map_or((0, 0), |at| (at.line(), at.column()));
    ModelError::Syntax {
        origin: origin.to_owned(),
        line,
        column,
        message: strip_location(&error.to_string(), line, column),
    }
}

#[cfg(test)]
mod tests;
