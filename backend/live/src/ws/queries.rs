//! From a subscribe op to the hub queries behind it: the resolver's answer for a panel or an
//! inline subscription, checked once here so the session only subscribes.

use super::PanelResolver;
use super::protocol::Watch;
use crate::hub::QuerySpec;

/// The queries to watch for a panel or inline subscription; `Err` is the error frame's text.
/// Streams have no queries (`Ok(None)`).
pub(super) fn query_specs(
    resolver: &dyn PanelResolver,
    what: &Watch,
) -> Result<Option<Vec<QuerySpec>>, String> {
    let specs = match what {
        Watch::Stream(_) => return Ok(None),
        Watch::Panel(request) => {
            let specs = resolver.resolve_panel(request)?;
            if specs.is_empty() {
                return Err(format!(
                    "dashboard {:?} panel {} has no queries",
                    request.dashboard, request.panel
                ));
            }
            specs
        }
        Watch::Inline(request) => {
            let specs = resolver.resolve_inline(request)?;
            if specs.is_empty() {
                return Err("targets: every query is hidden; nothing to watch".into());
            }
            specs
        }
    };
    Ok(Some(specs))
}

/// The window `from`..`to` moved back by `shift` (`now-5m`, `1d` -> `now-5m-1d`); errors
/// name the field.
pub(super) fn shifted(
    from: &str,
    to: &str,
    shift: Option<&str>,
) -> Result<(String, String), String> {
    let Some(shift) = shift else {
        return Ok((from.to_owned(), to.to_owned()));
    };
    let from = pulsegrid_model::shift_time(from, shift).map_err(|e| format!("from: {e}"))?;
    let to = pulsegrid_model::shift_time(to, shift).map_err(|e| format!("to: {e}"))?;
    Ok((from, to))
}
