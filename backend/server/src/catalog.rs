//! All dashboards, wherever they come from: provisioned files (read-only) and those saved
//! through the API (in the store, versioned). The API handlers are thin wrappers over this.

use std::sync::Arc;

use pulsegrid_model::Dashboard;
use pulsegrid_store::{SaveDashboard, StoredDashboard};
use serde_json::{Value, json};

use crate::auth::secret::random_string;
use crate::auth::{Principal, Role};
use crate::clock::{now_ms, rfc3339};
use crate::error::ApiError;
use crate::provisioning::ProvisionedDashboard;
use crate::state::AppState;

/// A dashboard found by uid.
#[derive(Debug)]
pub enum Found {
    /// From a file.
    Provisioned(Arc<ProvisionedDashboard>),
    /// Saved through the API.
    Stored(StoredDashboard),
}

/// One row of `/api/search`.
#[derive(Debug, Clone)]
pub struct Summary {
    /// Numeric id.
    pub id: i64,
    /// The uid.
    pub uid: String,
    /// The title.
    pub title: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Folder title; "" is the General folder.
    pub folder: String,
}

impl Summary {
    /// Grafana's search hit shape.
    pub fn to_json(&self) -> Value {
        let slug = slugify(&self.title);
        let (folder_uid, folder_title) = folder_names(&self.folder);
        json!({
            "id": self.id,
            "uid": self.uid,
            "title": self.title,
            "uri": format!("db/{slug}"),
            "url": format!("/d/{}/{slug}", self.uid),
            "slug": slug,
            "type": "dash-db",
            "tags": self.tags,
            "isStarred": false,
            "folderUid": folder_uid,
            "folderTitle": folder_title,
        })
    }
}

/// Looks a dashboard up; provisioned files shadow stored dashboards with the same uid.
pub async fn find(state: &AppState, uid: &str) -> Result<Option<Found>, ApiError> {
    if let Some(p) = state.provisioner.get(uid) {
        return Ok(Some(Found::Provisioned(p)));
    }
    Ok(state.store.get_dashboard(uid).await?.map(Found::Stored))
}

/// Every dashboard, sorted by title.
pub async fn list(state: &AppState) -> Result<Vec<Summary>, ApiError> {
    let mut all: Vec<Summary> = state
        .provisioner
        .list()
        .iter()
        .map(|p| Summary {
            id: p.id,
            uid: p.dashboard.uid().unwrap_or_default().to_owned(),
            title: p.dashboard.title().to_owned(),
            tags: p.dashboard.tags(),
            folder: p.folder.clone(),
        })
        .collect();
    for d in state.store.list_dashboards().await? {
        if state.provisioner.get(&d.uid).is_none() {
            all.push(Summary {
                id: d.id,
                uid: d.uid,
                title: d.title,
                tags: d.tags,
                folder: d.folder,
            });
        }
    }
    all.sort_by(|a, b| {
        a.title
            .to_lowercase()
            .cmp(&b.title.to_lowercase())
            .then_with(|| a.uid.cmp(&b.uid))
    });
    Ok(all)
}

/// `GET /api/dashboards/uid/{uid}`'s body: the document and Grafana's `meta`.
pub fn to_api_json(found: &Found, principal: &Principal) -> Result<Value, ApiError> {
    let can_edit = principal.role >= Role::Editor;
    match found {
        Found::Provisioned(p) => {
            let (folder_uid, folder_title) = folder_names(&p.folder);
            let slug = slugify(p.dashboard.title());
            let uid = p.dashboard.uid().unwrap_or_default();
            Ok(json!({
                "dashboard": p.dashboard.json(),
                "meta": {
                    "type": "db",
                    "canSave": false,
                    "canEdit": can_edit,
                    "canAdmin": principal.role >= Role::Admin,
                    "canStar": false,
                    "canDelete": false,
                    "slug": slug,
                    "url": format!("/d/{uid}/{slug}"),
                    "expires": "0001-01-01T00:00:00Z",
                    "created": rfc3339(p.updated_ms),
                    "updated": rfc3339(p.updated_ms),
                    "updatedBy": "provisioning",
                    "createdBy": "provisioning",
                    "version": p.dashboard.version().unwrap_or(1),
                    "hasAcl": false,
                    "isFolder": false,
                    "folderId": 0,
                    "folderUid": folder_uid,
                    "folderTitle": folder_title,
                    "provisioned": true,
                    "provisionedExternalId": p.file,
                    "id": p.id,
                }
            }))
        }
        Found::Stored(d) => {
            let mut dashboard: Value = serde_json::from_str(&d.json).map_err(ApiError::internal)?;
            if let Some(obj) = dashboard.as_object_mut() {
                obj.insert("id".into(), json!(d.id));
                obj.insert("uid".into(), json!(d.uid));
                obj.insert("version".into(), json!(d.version));
            }
            let (folder_uid, folder_title) = folder_names(&d.folder);
            let slug = slugify(&d.title);
            Ok(json!({
                "dashboard": dashboard,
                "meta": {
                    "type": "db",
                    "canSave": can_edit,
                    "canEdit": can_edit,
                    "canAdmin": principal.role >= Role::Admin,
                    "canStar": false,
                    "canDelete": can_edit,
                    "slug": slug,
                    "url": format!("/d/{}/{slug}", d.uid),
                    "expires": "0001-01-01T00:00:00Z",
                    "created": rfc3339(d.created_at_ms),
                    "updated": rfc3339(d.updated_at_ms),
                    "updatedBy": d.updated_by.as_deref().unwrap_or(""),
                    "createdBy": d.updated_by.as_deref().unwrap_or(""),
                    "version": d.version,
                    "hasAcl": false,
                    "isFolder": false,
                    "folderId": 0,
                    "folderUid": folder_uid,
                    "folderTitle": folder_title,
                    "provisioned": false,
                    "provisionedExternalId": "",
                }
            }))
        }
    }
}

/// What `POST /api/dashboards/db` asks for.
#[derive(Debug)]
pub struct SaveRequest {
    /// The dashboard document.
    pub dashboard: Value,
    /// Save even if someone else saved a newer version.
    pub overwrite: bool,
    /// The commit message for the version history.
    pub message: String,
    /// Target folder uid ("" = General).
    pub folder_uid: String,
}

/// The result of a save.
#[derive(Debug)]
pub struct Saved {
    /// The stored row.
    pub stored: StoredDashboard,
}

/// Validates and saves a dashboard, refusing provisioned uids and stale versions.
pub async fn save(
    state: &AppState,
    principal: &Principal,
    request: SaveRequest,
) -> Result<Saved, ApiError> {
    let mut dashboard = Dashboard::from_value(request.dashboard, "dashboard")?;
    let uid = match dashboard.uid() {
        Some(uid) => uid.to_owned(),
        None => random_string(14),
    };
    if let Some(p) = state.provisioner.get(&uid) {
        return Err(ApiError::bad_request(format!(
            "cannot save provisioned dashboard {uid:?}: it comes from the file {}; change the file instead",
            p.file
        ))
        .with_code("provisioned"));
    }
    // A request without a version means "new dashboard": it must not silently replace one.
    let expected_version = Some(dashboard.version().unwrap_or(0));
    let next = state.store.next_dashboard_version(&uid).await?;
    dashboard.set_uid(&uid);
    dashboard.set_version(next);
    dashboard.set_id(None);
    let title = dashboard.title().to_owned();
    let tags = dashboard.tags();
    let cached = dashboard.clone();
    let json = serde_json::to_string(dashboard.json()).map_err(ApiError::internal)?;
    let user = principal.display_name();
    let stored = state
        .store
        .save_dashboard(SaveDashboard {
            uid: &uid,
            title: &title,
            tags: &tags,
            folder: &request.folder_uid,
            json: &json,
            message: &request.message,
            user: Some(&user),
            expected_version,
            overwrite: request.overwrite,
            now_ms: now_ms(),
        })
        .await?;
    state.saved.put(&uid, cached);
    tracing::info!(uid, version = stored.version, by = user, "dashboard saved");
    Ok(Saved { stored })
}

/// Deletes a stored dashboard; provisioned ones are refused, unknown ones are 404.
pub async fn delete(state: &AppState, uid: &str) -> Result<StoredDashboard, ApiError> {
    if let Some(p) = state.provisioner.get(uid) {
        return Err(ApiError::bad_request(format!(
            "cannot delete provisioned dashboard {uid:?}: remove the file {} instead",
            p.file
        ))
        .with_code("provisioned"));
    }
    let existing = state
        .store
        .get_dashboard(uid)
        .await?
        .ok_or_else(|| dashboard_not_found(uid))?;
    state.store.delete_dashboard(uid).await?;
    state.saved.remove(uid);
    tracing::info!(uid, "dashboard deleted");
    Ok(existing)
}

/// The 404 for an unknown uid.
pub fn dashboard_not_found(uid: &str) -> ApiError {
    ApiError::not_found(format!("dashboard {uid:?} not found")).with_code("not-found")
}

/// Grafana's URL slug of a title: lowercase words joined by `-`.
pub fn slugify(title: &str) -> String {
    let mut slug = String::with_capacity(title.len());
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_owned()
}

/// (folderUid, folderTitle) of a folder path; the General folder has uid "".
fn folder_names(folder: &str) -> (String, String) {
    if folder.is_empty() {
        (String::new(), "General".to_owned())
    } else {
        (slugify(folder), folder.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::slugify;

    #[test]
    fn slugs_like_grafana() {
        assert_eq!(slugify("Node Exporter Full"), "node-exporter-full");
        assert_eq!(
            slugify("Kubernetes / Views / Pods"),
            "kubernetes-views-pods"
        );
        assert_eq!(slugify("  ??  "), "");
    }
}
