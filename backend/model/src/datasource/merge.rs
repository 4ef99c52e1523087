//! Merging provisioning files, and the checks that need the whole set: known types, names
//! unique within a file, uids unique across files, one default datasource per organisation.

use std::collections::HashMap;

use super::{DatasourceConfig, DatasourceKind, DatasourceProvisioning};
use crate::error::{ModelError, Result, ValidationError};

/// A merged datasource and where it was defined.
#[derive(Debug)]
struct Placed {
    origin: String,
    /// Its index in its file's `datasources`, for error paths.
    index: usize,
    config: DatasourceConfig,
}

/// See [`DatasourceProvisioning::merge`].
pub(super) fn merge(
    files: Vec<(String, DatasourceProvisioning)>,
) -> Result<DatasourceProvisioning> {
    let mut merged: Vec<Placed> = Vec::new();
    let mut delete_datasources = Vec::new();
    for (origin, file) in files {
        let errors = check_file(&file);
        if !errors.is_empty() {
            return Err(ModelError::Invalid { origin, errors });
        }
        for (index, config) in file.datasources.into_iter().enumerate() {
            let placed = Placed {
                origin: origin.clone(),
                index,
                config,
            };
            match merged
                .iter_mut()
                .find(|p| p.config.name == placed.config.name)
            {
                Some(earlier) => *earlier = placed,
                None => merged.push(placed),
            }
        }
        delete_datasources.extend(file.delete_datasources);
    }

    check_merged(&merged)?;
    Ok(DatasourceProvisioning {
        datasources: merged.into_iter().map(|p| p.config).collect(),
        delete_datasources,
    })
}

/// The problems within one file.
fn check_file(file: &DatasourceProvisioning) -> Vec<ValidationError> {
    let mut errors = Vec::new();
    let mut names: HashMap<&str, usize> = HashMap::new();
    for (i, ds) in file.datasources.iter().enumerate() {
        let path = format!("datasources[{i}]");
        if ds.name.is_empty() {
            errors.push(ValidationError::new(format!("{path}.name"), "is required"));
        } else if let Some(first) = names.get(ds.name.as_str()) {
            errors.push(ValidationError::new(
                format!("{path}.name"),
                format!(
                    "duplicate datasource name {:?} (also at datasources[{first}])",
                    ds.name
                ),
            ));
        } else {
            names.insert(&ds.name, i);
        }
        if ds.type_name.is_empty() {
            errors.push(ValidationError::new(format!("{path}.type"), "is required"));
        } else if ds.kind().is_none() {
            let known: Vec<&str> = DatasourceKind::ALL
                .iter()
                .map(DatasourceKind::as_str)
                .collect();
            errors.push(ValidationError::new(
                format!("{path}.type"),
                format!(
                    "unknown datasource type {:?}; known types: {}",
                    ds.type_name,
                    known.join(", ")
                ),
            ));
        }
    }
    for (i, (name, _)) in file.delete_datasources.iter().enumerate() {
        if name.is_empty() {
            errors.push(ValidationError::new(
                format!("deleteDatasources[{i}].name"),
                "is required",
            ));
        }
    }
    errors
}

/// The problems across files, reported against the later definition; when they concern
/// several files, the first file's problems.
fn check_merged(merged: &[Placed]) -> Result<()> {
    let mut problems: Vec<(&str, ValidationError)> = Vec::new();
    let mut uids: HashMap<&str, &Placed> = HashMap::new();
    let mut defaults: HashMap<i64, &Placed> = HashMap::new();
    for placed in merged {
        let ds = &placed.config;
        let path = format!("datasources[{}]", placed.index);
        if let Some(uid) = ds.uid.as_deref().filter(|uid| !uid.is_empty()) {
            if let Some(first) = uids.get(uid) {
                problems.push((
                    &placed.origin,
                    ValidationError::new(
                        format!("{path}.uid"),
                        format!(
                            "duplicate datasource uid {uid:?} (also used by {:?} in {})",
                            first.config.name, first.origin
                        ),
                    ),
                ));
            } else {
                uids.insert(uid, placed);
            }
        }
        if ds.is_default {
            // Grafana's default organisation is 1.
            let org = ds.org_id.unwrap_or(1);
            if let Some(first) = defaults.get(&org) {
                problems.push((
                    &placed.origin,
                    ValidationError::new(
                        format!("{path}.isDefault"),
                        format!(
                            "only one datasource per organisation may be the default ({:?} in {} is too)",
                            first.config.name, first.origin
                        ),
                    ),
                ));
            } else {
                defaults.insert(org, placed);
            }
        }
    }
    let Some((origin, _)) = problems.first() else {
        return Ok(());
    };
    let origin = origin.to_string();
    let errors = problems
        .into_iter()
        .filter(|(o, _)| *o == origin)
        .map(|(_, e)| e)
        .collect();
    Err(ModelError::Invalid { origin, errors })
}
