//! Alertmanager's notification templates: the files of `alertmanager.yml`'s `templates:` globs
//! (relative paths from the configuration file's directory), parsed once when the configuration
//! is loaded, and the texts of a receiver (`html`, `text`, header values) rendered per
//! notification with Alertmanager's `template.Data`.
//!
//! The language is Go's `text/template` as [`crate::rules::template`] runs it, in
//! Alertmanager's dialect: `define`, `template` and `block`; only `$` is predefined; the data is
//! `.Receiver`, `.Status`, `.Alerts` (with `.Firing`/`.Resolved`; each alert's `.Status`,
//! `.Labels`, `.Annotations`, `.StartsAt`, `.EndsAt`, `.GeneratorURL`, `.Fingerprint`),
//! `.GroupLabels`, `.CommonLabels`, `.CommonAnnotations`, `.ExternalURL`, and label sets have
//! `.SortedPairs`, `.Names`, `.Values` and `.Remove`. Functions are Go's builtins and
//! Alertmanager's (`toUpper`, `toLower`, `title`, `trimSpace`, `join`, `match`, `safeHtml`,
//! `safeUrl`, `urlUnescape`, `reReplaceAll`, `stringSlice`, `date`, `tz`, `since`,
//! `humanizeDuration`, `toJson`). HTML bodies escape every printed value as Go's
//! `html/template` escapes text (`safeHtml` values excepted); text and headers are not escaped.
//!
//! Alertmanager's default templates are defined (`__subject`, `__text_alert_list`,
//! `__alertmanagerURL`, `email.default.subject`…), so a custom body can call them;
//! `email.default.html` is Pulsegrid's default HTML body ([`super::payload::email_html`]).
//! A later definition of a name replaces an earlier one, as in Go.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::payload::{TemplateData, email_html};
use crate::rules::template::{Def, Defs, TemplateError, parse_notify, render_notify};

/// Alertmanager's default text templates (its `default.tmpl` and `email.tmpl`), those an email
/// can use.
const DEFAULT_TEMPLATES: &str = r#"{{ define "__alertmanager" }}Alertmanager{{ end }}
{{ define "__alertmanagerURL" }}{{ .ExternalURL }}/#/alerts?receiver={{ .Receiver | urlquery }}{{ end }}
{{ define "__subject" }}[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ .GroupLabels.SortedPairs.Values | join " " }} {{ if gt (len .CommonLabels) (len .GroupLabels) }}({{ with .CommonLabels.Remove .GroupLabels.Names }}{{ .Values | join " " }}{{ end }}){{ end }}{{ end }}
{{ define "__description" }}{{ end }}
{{ define "__text_alert_list" }}{{ range . }}Labels:
{{ range .Labels.SortedPairs }} - {{ .Name }} = {{ .Value }}
{{ end }}Annotations:
{{ range .Annotations.SortedPairs }} - {{ .Name }} = {{ .Value }}
{{ end }}Source: {{ .GeneratorURL }}
{{ end }}{{ end }}
{{ define "email.default.subject" }}{{ template "__subject" . }}{{ end }}
"#;

/// A template file that could not be used: its path and what went wrong (with the line).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateFileError {
    /// The file (or the glob, when the glob itself is bad).
    pub file: String,
    /// The 1-based line of a syntax error, if any.
    pub line: Option<usize>,
    /// What went wrong.
    pub message: String,
}

impl fmt::Display for TemplateFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for TemplateFileError {}

/// The named templates of a configuration: Alertmanager's defaults and those of the
/// `templates:` files.
#[derive(Clone)]
pub struct Templates {
    defs: Defs,
    files: Vec<PathBuf>,
}

impl fmt::Debug for Templates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Templates")
            .field("names", &self.defs.keys().collect::<Vec<_>>())
            .field("files", &self.files)
            .finish()
    }
}

impl Default for Templates {
    /// The default templates only.
    fn default() -> Self {
        let mut t = Templates {
            defs: BTreeMap::new(),
            files: Vec::new(),
        };
        if let Err(e) = t.add("default.tmpl", DEFAULT_TEMPLATES) {
            // The defaults are a constant, checked by a test; this is unreachable.
            tracing::error!(error = %e, "default notification templates do not parse");
        }
        t.defs
            .insert("email.default.html".into(), Def::Native(email_html));
        t
    }
}

/// The files matching `pattern`, sorted by name; none is fine.
fn glob_files(pattern: &Path) -> Result<Vec<std::path::PathBuf>, String> {
    let text = pattern.to_string_lossy();
    let paths = glob::glob(&text).map_err(|e| e.to_string())?;
    let mut files: Vec<_> = paths
        .filter_map(Result::ok)
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    Ok(files)
}

impl Templates {
    /// The defaults and the files matching `globs` (in order; within a glob, files sorted by
    /// name); relative globs are taken from `base_dir`. A glob matching nothing is fine, as in
    /// Alertmanager.
    pub fn from_globs(globs: &[String], base_dir: &Path) -> Result<Self, TemplateFileError> {
        let mut t = Templates::default();
        for pattern in globs {
            let full = base_dir.join(pattern);
            let files = glob_files(&full).map_err(|message| TemplateFileError {
                file: pattern.clone(),
                line: None,
                message,
            })?;
            for file in files {
                let shown = file.display().to_string();
                let src = std::fs::read_to_string(&file).map_err(|e| TemplateFileError {
                    file: shown.clone(),
                    line: None,
                    message: format!("cannot read: {e}"),
                })?;
                let name = file
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                t.add(&name, &src).map_err(|e| TemplateFileError {
                    file: shown,
                    line: (e.line > 0).then_some(e.line),
                    message: if e.column > 0 {
                        format!("column {}: {}", e.column, e.message)
                    } else {
                        e.message
                    },
                })?;
                t.files.push(file);
            }
        }
        Ok(t)
    }

    /// Parses template text named `name` (a file's base name, as Go's `ParseGlob` names it):
    /// its definitions join the set, and its own body is the template `name`.
    pub fn add(&mut self, name: &str, src: &str) -> Result<(), TemplateError> {
        let (body, defines) = parse_notify(src)?;
        let blank = body
            .iter()
            .all(|n| matches!(n, crate::rules::template::Node::Text(t) if t.trim().is_empty()));
        if !(blank && self.defs.contains_key(name)) {
            self.defs
                .insert(name.to_string(), Def::Nodes(Arc::new(body)));
        }
        for (n, nodes) in defines {
            self.defs.insert(n, Def::Nodes(Arc::new(nodes)));
        }
        Ok(())
    }

    /// The files read, in order.
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    /// Whether a template with this name is defined.
    pub fn contains(&self, name: &str) -> bool {
        self.defs.contains_key(name)
    }

    /// Checks the syntax of a text to be rendered later (a body or a header).
    pub fn check(&self, text: &str) -> Result<(), TemplateError> {
        parse_notify(text).map(|_| ())
    }

    /// Renders `text` without escaping (a subject, a header, a text body). Empty text renders
    /// as empty, as in Alertmanager.
    pub fn render_text(&self, text: &str, data: &TemplateData) -> Result<String, TemplateError> {
        self.render(text, data, false)
    }

    /// Renders `text` as an HTML body: printed values are escaped unless they come from
    /// `safeHtml`.
    pub fn render_html(&self, text: &str, data: &TemplateData) -> Result<String, TemplateError> {
        self.render(text, data, true)
    }

    fn render(&self, text: &str, data: &TemplateData, html: bool) -> Result<String, TemplateError> {
        if text.is_empty() {
            return Ok(String::new());
        }
        let (body, defines) = parse_notify(text)?;
        let data = Arc::new(data.clone());
        if defines.is_empty() {
            return render_notify(&body, &self.defs, data, html);
        }
        let mut defs = self.defs.clone();
        for (n, nodes) in defines {
            defs.insert(n, Def::Nodes(Arc::new(nodes)));
        }
        render_notify(&body, &defs, data, html)
    }
}

#[cfg(test)]
mod tests;
