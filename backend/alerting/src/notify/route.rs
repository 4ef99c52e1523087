//! The routing tree: which routes (and so which receivers) an alert goes to. As Alertmanager's
//! `dispatch/route.go`: depth-first, a node matches when its matchers do; the first matching
//! child wins unless it has `continue: true`; a matching node without matching children is
//! itself the match. Options are inherited from the parent when unset. Each route has a key
//! (`{}/{team="ops"}`), and each group of alerts on it a group key
//! (`{}/{team="ops"}:{alertname="HighLatency"}`).

use pulsegrid_model::Labels;

use super::config::{
    DEFAULT_GROUP_INTERVAL_MS, DEFAULT_GROUP_WAIT_MS, DEFAULT_REPEAT_INTERVAL_MS, GroupBy,
    RouteConfig,
};
use super::matchers::{Matchers, go_quote};

/// A node of the routing tree with its options resolved (inherited or defaulted).
#[derive(Clone, Debug)]
pub struct Route {
    /// The receiver notified for alerts matching here.
    pub receiver: String,
    /// How alerts are grouped.
    pub group_by: GroupBy,
    /// The node's own matchers.
    pub matchers: Matchers,
    /// Whether siblings after this one are still tried when it matches.
    pub continue_matching: bool,
    /// Wait before the first notification of a new group, ms.
    pub group_wait_ms: i64,
    /// Wait between notifications of a changed group, ms.
    pub group_interval_ms: i64,
    /// Wait before repeating an unchanged notification, ms.
    pub repeat_interval_ms: i64,
    /// Pulsegrid: notify resolved alerts at once rather than at the next group interval.
    pub resolve_immediately: bool,
    /// Children in order.
    pub routes: Vec<Route>,
    key: String,
    id: String,
}

impl Route {
    /// The tree for a validated root route.
    pub fn new(config: &RouteConfig) -> Route {
        let defaults = Route {
            receiver: String::new(),
            group_by: GroupBy::Labels(Vec::new()),
            matchers: Matchers::default(),
            continue_matching: false,
            group_wait_ms: DEFAULT_GROUP_WAIT_MS,
            group_interval_ms: DEFAULT_GROUP_INTERVAL_MS,
            repeat_interval_ms: DEFAULT_REPEAT_INTERVAL_MS,
            resolve_immediately: false,
            routes: Vec::new(),
            key: String::new(),
            id: String::new(),
        };
        Self::build(config, &defaults, None, 0)
    }

    fn build(
        config: &RouteConfig,
        parent: &Route,
        parent_key: Option<&str>,
        index: usize,
    ) -> Route {
        let key = match parent_key {
            Some(p) => format!("{p}/{}", config.matchers),
            None => config.matchers.to_string(),
        };
        let id = match parent_key {
            Some(_) => format!("{}/{}/{index}", parent.id, config.matchers),
            None => config.matchers.to_string(),
        };
        let mut route = Route {
            receiver: config
                .receiver
                .clone()
                .unwrap_or_else(|| parent.receiver.clone()),
            group_by: config
                .group_by
                .clone()
                .unwrap_or_else(|| parent.group_by.clone()),
            matchers: config.matchers.clone(),
            continue_matching: config.continue_matching,
            group_wait_ms: config.group_wait_ms.unwrap_or(parent.group_wait_ms),
            group_interval_ms: config.group_interval_ms.unwrap_or(parent.group_interval_ms),
            repeat_interval_ms: config
                .repeat_interval_ms
                .unwrap_or(parent.repeat_interval_ms),
            resolve_immediately: config
                .resolve_immediately
                .unwrap_or(parent.resolve_immediately),
            routes: Vec::new(),
            key,
            id,
        };
        let own_key = route.key.clone();
        route.routes = config
            .routes
            .iter()
            .enumerate()
            .map(|(i, c)| Self::build(c, &route, Some(&own_key), i))
            .collect();
        route
    }

    /// The routes an alert with `labels` goes to, in tree order (empty when this node does not
    /// match; the root has no matchers, so it always yields at least itself).
    pub fn matching(&self, labels: &Labels) -> Vec<&Route> {
        if !self.matchers.matches(labels) {
            return Vec::new();
        }
        let mut all = Vec::new();
        for child in &self.routes {
            let found = child.matching(labels);
            let matched = !found.is_empty();
            all.extend(found);
            if matched && !child.continue_matching {
                break;
            }
        }
        if all.is_empty() {
            all.push(self);
        }
        all
    }

    /// Alertmanager's route key: the matchers of the path from the root, `{}/{a="b"}`.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// A key unique in the tree even for siblings with equal matchers (it adds the position).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The labels an alert is grouped by on this route.
    pub fn group_labels(&self, labels: &Labels) -> Labels {
        match &self.group_by {
            GroupBy::All => labels.clone(),
            GroupBy::Labels(names) => names
                .iter()
                .filter_map(|n| labels.get(n).map(|v| (n.clone(), v.to_owned())))
                .collect(),
        }
    }

    /// The group key of an alert on this route: `{route key}:{group labels}`.
    pub fn group_key(&self, labels: &Labels) -> String {
        format!(
            "{}:{}",
            self.key,
            format_label_set(&self.group_labels(labels))
        )
    }

    /// This route and all below it, depth-first.
    pub fn walk(&self) -> Vec<&Route> {
        let mut out = vec![self];
        for c in &self.routes {
            out.extend(c.walk());
        }
        out
    }
}

/// A label set as Go's `model.LabelSet.String()`: `{a="1", b="2"}`.
pub fn format_label_set(labels: &Labels) -> String {
    let parts: Vec<String> = labels
        .iter()
        .map(|(k, v)| format!("{k}={}", go_quote(v)))
        .collect();
    format!("{{{}}}", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::config::Config;

    const TREE: &str = r#"
route:
  receiver: default
  group_by: [alertname]
  group_wait: 10s
  routes:
    - matchers: [team="ops"]
      receiver: ops
      continue: true
      routes:
        - matchers: [severity="critical"]
          receiver: ops-pager
          group_wait: 1s
    - matchers: [team=~"ops|db"]
      receiver: db
      group_by: [alertname, instance]
    - matchers: [team="db"]
      receiver: never
    - match: {service: web}
      receiver: web
      continue: true
    - match: {service: web}
      receiver: web2
receivers: [{name: default}, {name: ops}, {name: ops-pager}, {name: db}, {name: never}, {name: web}, {name: web2}]
"#;

    fn tree() -> Route {
        Route::new(&Config::parse(TREE).unwrap().route)
    }

    fn receivers(route: &Route, pairs: &[(&str, &str)]) -> Vec<String> {
        let labels: Labels = pairs.iter().copied().collect();
        route
            .matching(&labels)
            .iter()
            .map(|r| r.receiver.clone())
            .collect()
    }

    #[test]
    fn continue_semantics() {
        let t = tree();
        type Case<'a> = (&'a [(&'a str, &'a str)], &'a [&'a str]);
        let cases: &[Case] = &[
            (&[("alertname", "x")], &["default"]),
            (&[("team", "ops")], &["ops", "db"]),
            (
                &[("team", "ops"), ("severity", "critical")],
                &["ops-pager", "db"],
            ),
            (&[("team", "db")], &["db"]),
            (&[("service", "web")], &["web", "web2"]),
            (&[("team", "db"), ("service", "web")], &["db"]),
        ];
        for (labels, want) in cases {
            assert_eq!(receivers(&t, labels), *want, "{labels:?}");
        }
    }

    #[test]
    fn options_are_inherited() {
        let t = tree();
        let ops = &t.routes[0];
        assert_eq!(ops.group_wait_ms, 10_000);
        assert_eq!(ops.group_by, GroupBy::Labels(vec!["alertname".into()]));
        assert_eq!(ops.routes[0].group_wait_ms, 1_000);
        assert_eq!(ops.routes[0].group_interval_ms, DEFAULT_GROUP_INTERVAL_MS);
        assert_eq!(
            t.routes[1].group_by,
            GroupBy::Labels(vec!["alertname".into(), "instance".into()])
        );
        assert_eq!(t.repeat_interval_ms, DEFAULT_REPEAT_INTERVAL_MS);
    }

    #[test]
    fn keys_and_group_keys() {
        let t = tree();
        assert_eq!(t.key(), "{}");
        assert_eq!(
            t.routes[0].routes[0].key(),
            r#"{}/{team="ops"}/{severity="critical"}"#
        );
        let labels: Labels = [("alertname", "Hot"), ("team", "ops"), ("instance", "a")]
            .into_iter()
            .collect();
        assert_eq!(
            t.routes[1].group_key(&labels),
            r#"{}/{team=~"ops|db"}:{alertname="Hot", instance="a"}"#
        );
        assert_eq!(t.group_key(&Labels::new()), "{}:{}");
        assert_ne!(t.routes[3].id(), t.routes[4].id());
        assert_eq!(t.routes[3].key(), t.routes[4].key());
        assert_eq!(t.walk().len(), 7);
    }
}
