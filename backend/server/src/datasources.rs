//! Datasources: Grafana's provisioning YAML from `PULSEGRID_DATASOURCES` (a file or a directory),
//! plus the two that always exist, `testdata` and `pulsegrid`. A broken file is reported and
//! skipped; it never stops the service.

use std::path::Path;

use pulsegrid_model::{DatasourceConfig, DatasourceKind, DatasourceProvisioning};
use serde_json::{Value, json};

use crate::clock::now_ms;
use crate::provisioning::ProvisioningError;

/// The uid (and name) of the built-in generator source.
pub const TESTDATA_UID: &str = "testdata";
/// The uid (and name) of the built-in source of ingested series and own metrics.
pub const PULSEGRID_UID: &str = "pulsegrid";

/// The configured datasources and the errors met loading them.
#[derive(Debug, Default)]
pub struct Datasources {
    list: Vec<DatasourceConfig>,
    errors: Vec<ProvisioningError>,
}

impl Datasources {
    /// Loads `path` (file or directory of `*.yaml`/`*.yml`) if given; built-ins are added
    /// unless the files define a source with the same uid.
    pub fn load(path: Option<&Path>) -> Self {
        let mut errors = Vec::new();
        let mut parsed = Vec::new();
        for file in path.map(yaml_files).unwrap_or_default() {
            let name = file.display().to_string();
            let result = std::fs::read_to_string(&file)
                .map_err(|e| format!("{name}: cannot read: {e}"))
                .and_then(|text| {
                    DatasourceProvisioning::from_yaml_str(&text, &name, &|var| {
                        std::env::var(var).ok()
                    })
                    .map_err(|e| e.to_string())
                });
            match result {
                Ok(p) => parsed.push((name, p)),
                Err(message) => errors.push(error(&name, message)),
            }
        }
        let mut list = match DatasourceProvisioning::merge(parsed) {
            Ok(p) => p.datasources,
            Err(e) => {
                errors.push(error("datasources", e.to_string()));
                Vec::new()
            }
        };
        for e in &errors {
            tracing::warn!(file = %e.file, error = %e.message, "datasource provisioning failed");
        }
        for (uid, name, kind) in [
            (TESTDATA_UID, "TestData", DatasourceKind::Testdata),
            (PULSEGRID_UID, "Pulsegrid", DatasourceKind::Pulsegrid),
        ] {
            if !list.iter().any(|d| d.uid_or_name() == uid) {
                list.extend(builtin(uid, name, kind));
            }
        }
        Datasources { list, errors }
    }

    /// Every datasource.
    pub fn list(&self) -> &[DatasourceConfig] {
        &self.list
    }

    /// Files that could not be loaded.
    pub fn errors(&self) -> &[ProvisioningError] {
        &self.errors
    }

    /// Finds a datasource by uid or, failing that, by name.
    pub fn find(&self, uid_or_name: &str) -> Option<&DatasourceConfig> {
        self.list
            .iter()
            .find(|d| d.uid.as_deref() == Some(uid_or_name))
            .or_else(|| self.list.iter().find(|d| d.name == uid_or_name))
    }

    /// The position of a datasource, used as its numeric id (1-based).
    pub fn id_of(&self, ds: &DatasourceConfig) -> i64 {
        self.list
            .iter()
            .position(|d| std::ptr::eq(d, ds))
            .map_or(0, |i| i as i64 + 1)
    }

    /// Grafana's `GET /api/datasources` item. Secrets are never included, only which are set.
    pub fn to_api_json(&self, ds: &DatasourceConfig) -> Value {
        let secure_fields: serde_json::Map<String, Value> = ds
            .secure_json_data
            .keys()
            .map(|k| (k.clone(), Value::Bool(true)))
            .collect();
        json!({
            "id": self.id_of(ds),
            "uid": ds.uid_or_name(),
            "orgId": ds.org_id.unwrap_or(1),
            "name": ds.name,
            "type": ds.kind().map_or(ds.type_name.as_str(), |k| k.as_str()),
            "typeName": ds.type_name,
            "access": ds.access.as_deref().unwrap_or("proxy"),
            "url": ds.url.as_deref().unwrap_or(""),
            "user": ds.user.as_deref().unwrap_or(""),
            "database": ds.database.as_deref().unwrap_or(""),
            "basicAuth": ds.basic_auth,
            "basicAuthUser": ds.basic_auth_user.as_deref().unwrap_or(""),
            "isDefault": ds.is_default,
            "jsonData": ds.json_data,
            "secureJsonFields": secure_fields,
            "readOnly": true,
        })
    }
}

fn builtin(uid: &str, name: &str, kind: DatasourceKind) -> Option<DatasourceConfig> {
    let yaml = format!(
        "apiVersion: 1\ndatasources:\n  - name: {name}\n    type: {}\n    uid: {uid}\n",
        kind.as_str()
    );
    DatasourceProvisioning::from_yaml_str(&yaml, "built-in", &|_| None)
        .ok()
        .and_then(|p| p.datasources.into_iter().next())
}

fn yaml_files(path: &Path) -> Vec<std::path::PathBuf> {
    if path.is_dir() {
        let mut files: Vec<_> = std::fs::read_dir(path)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| {
                        p.extension()
                            .is_some_and(|ext| ext == "yaml" || ext == "yml")
                    })
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files
    } else {
        vec![path.to_path_buf()]
    }
}

fn error(file: &str, message: String) -> ProvisioningError {
    ProvisioningError {
        file: file.to_owned(),
        message,
        since_ms: now_ms(),
        serving_last_good: false,
    }
}
