//! `GET /api/search` (Grafana's query, tag, dashboardUIDs, folderUIDs, limit) and
//! `GET /api/dashboards/tags`.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{RawQuery, State};
use serde_json::{Value, json};

use crate::auth::{Principal, Role};
use crate::catalog;
use crate::error::ApiError;
use crate::state::AppState;

/// Search filters; repeated keys (`tag=a&tag=b`) all apply.
#[derive(Debug, Default)]
struct Filter {
    query: String,
    tags: Vec<String>,
    uids: Vec<String>,
    folders: Vec<String>,
    limit: usize,
    folders_only: bool,
}

impl Filter {
    fn parse(raw: Option<&str>) -> Result<Self, ApiError> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.unwrap_or(""))
            .map_err(|e| ApiError::bad_request(format!("bad query string: {e}")))?;
        let mut filter = Filter {
            limit: 1000,
            ..Filter::default()
        };
        for (key, value) in pairs {
            match key.as_str() {
                "query" => filter.query = value.to_lowercase(),
                "tag" => filter.tags.push(value),
                "dashboardUIDs" | "dashboardUID" => filter.uids.push(value),
                "folderUIDs" => filter.folders.push(value),
                "type" => filter.folders_only = value == "dash-folder",
                "limit" => {
                    filter.limit = value.parse().map_err(|_| {
                        ApiError::bad_request(format!("limit: expected a number, found {value:?}"))
                    })?;
                }
                _ => {}
            }
        }
        Ok(filter)
    }

    fn matches(&self, hit: &catalog::Summary) -> bool {
        (self.query.is_empty() || hit.title.to_lowercase().contains(&self.query))
            && self.tags.iter().all(|t| hit.tags.contains(t))
            && (self.uids.is_empty() || self.uids.contains(&hit.uid))
            && (self.folders.is_empty()
                || self.folders.iter().any(|f| {
                    *f == catalog::slugify(&hit.folder) || (f == "general" && hit.folder.is_empty())
                }))
    }
}

/// Dashboards whose title contains `query` and that carry every `tag`.
pub(super) async fn search(
    State(state): State<AppState>,
    principal: Principal,
    RawQuery(raw): RawQuery,
) -> Result<Json<Vec<Value>>, ApiError> {
    principal.require(Role::Viewer)?;
    let filter = Filter::parse(raw.as_deref())?;
    let all = catalog::list(&state).await?;
    if filter.folders_only {
        let mut folders: BTreeMap<String, ()> = BTreeMap::new();
        for hit in all.iter().filter(|h| !h.folder.is_empty()) {
            folders.insert(hit.folder.clone(), ());
        }
        let hits = folders
            .keys()
            .filter(|f| filter.query.is_empty() || f.to_lowercase().contains(&filter.query))
            .map(|f| {
                let uid = catalog::slugify(f);
                json!({"uid": uid, "title": f, "type": "dash-folder", "url": format!("/dashboards/f/{uid}"), "tags": []})
            })
            .collect();
        return Ok(Json(hits));
    }
    Ok(Json(
        all.iter()
            .filter(|h| filter.matches(h))
            .take(filter.limit)
            .map(catalog::Summary::to_json)
            .collect(),
    ))
}

/// Every tag with its dashboard count: `[{"term": "k8s", "count": 3}]`.
pub(super) async fn tags(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Vec<Value>>, ApiError> {
    principal.require(Role::Viewer)?;
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for hit in catalog::list(&state).await? {
        for tag in hit.tags {
            *counts.entry(tag).or_default() += 1;
        }
    }
    Ok(Json(
        counts
            .into_iter()
            .map(|(term, count)| json!({"term": term, "count": count}))
            .collect(),
    ))
}
