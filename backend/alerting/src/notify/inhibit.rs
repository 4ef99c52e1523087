//! Inhibition as Alertmanager's `inhibit/inhibit.go`: an alert matching a rule's target
//! matchers is muted while some firing alert matches its source matchers and has the same
//! values for the rule's `equal` labels (a label missing on both counts as equal). An alert
//! never inhibits itself: when an alert matches both sides of a rule, sources that also match
//! the target side are not considered for it.

use std::collections::BTreeMap;

use pulsegrid_model::Labels;

use super::alert::{Alert, Fingerprint};
use super::config::InhibitRuleConfig;
use super::matchers::Matchers;

/// One inhibit rule.
#[derive(Clone, Debug)]
pub struct InhibitRule {
    /// What a muting alert matches.
    pub source: Matchers,
    /// What a muted alert matches.
    pub target: Matchers,
    /// Labels that must be equal on both.
    pub equal: Vec<String>,
}

impl From<&InhibitRuleConfig> for InhibitRule {
    fn from(c: &InhibitRuleConfig) -> Self {
        InhibitRule {
            source: c.source.clone(),
            target: c.target.clone(),
            equal: c.equal.clone(),
        }
    }
}

/// The inhibit rules and the alerts that may act as sources.
#[derive(Clone, Debug, Default)]
pub struct Inhibitor {
    rules: Vec<InhibitRule>,
    /// Per rule, the alerts matching its source side, by fingerprint.
    sources: Vec<BTreeMap<Fingerprint, Alert>>,
}

impl Inhibitor {
    /// An inhibitor for these rules, knowing no alerts yet.
    pub fn new(rules: Vec<InhibitRule>) -> Self {
        let sources = vec![BTreeMap::new(); rules.len()];
        Inhibitor { rules, sources }
    }

    /// Takes note of an alert (new, updated or resolved) as a possible source.
    pub fn observe(&mut self, alert: &Alert) {
        let fp = alert.fingerprint();
        for (rule, cache) in self.rules.iter().zip(&mut self.sources) {
            if rule.source.matches(&alert.labels) {
                cache.insert(fp, alert.clone());
            }
        }
    }

    /// Whether `labels` are muted at `now` by a firing source alert.
    pub fn is_inhibited(&self, labels: &Labels, now: i64) -> bool {
        self.inhibited_by(labels, now).is_some()
    }

    /// The fingerprint of an alert that inhibits `labels` at `now`, if any.
    pub fn inhibited_by(&self, labels: &Labels, now: i64) -> Option<Fingerprint> {
        for (rule, cache) in self.rules.iter().zip(&self.sources) {
            if !rule.target.matches(labels) {
                continue;
            }
            let two_sided = rule.source.matches(labels);
            for (fp, source) in cache {
                if source.is_resolved_at(now) {
                    continue;
                }
                if two_sided && rule.target.matches(&source.labels) {
                    continue;
                }
                if rule
                    .equal
                    .iter()
                    .all(|l| source.labels.get(l).unwrap_or("") == labels.get(l).unwrap_or(""))
                {
                    return Some(*fp);
                }
            }
        }
        None
    }

    /// Forgets source alerts resolved before `before`.
    pub fn gc(&mut self, before: i64) {
        for cache in &mut self.sources {
            cache.retain(|_, a| !a.is_resolved_at(before));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::matchers::parse_matchers;

    fn rule(source: &str, target: &str, equal: &[&str]) -> InhibitRule {
        InhibitRule {
            source: Matchers::new(parse_matchers(source).unwrap()),
            target: Matchers::new(parse_matchers(target).unwrap()),
            equal: equal.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    fn alert(pairs: &[(&str, &str)]) -> Alert {
        Alert::firing(pairs.iter().copied().collect(), 0)
    }

    #[test]
    fn table() {
        let mut ih = Inhibitor::new(vec![rule(
            r#"severity="critical""#,
            r#"severity="warning""#,
            &["site"],
        )]);
        let crit_north = alert(&[
            ("alertname", "Down"),
            ("severity", "critical"),
            ("site", "north"),
        ]);
        ih.observe(&crit_north);
        let cases: &[(&[(&str, &str)], bool)] = &[
            (&[("severity", "warning"), ("site", "north")], true),
            (&[("severity", "warning"), ("site", "south")], false),
            (&[("severity", "warning")], false),
            (&[("severity", "info"), ("site", "north")], false),
            (&[("severity", "critical"), ("site", "north")], false),
        ];
        for (labels, want) in cases {
            let ls: Labels = labels.iter().copied().collect();
            assert_eq!(ih.is_inhibited(&ls, 10), *want, "{labels:?}");
        }
        // Once the source resolves, nothing is inhibited.
        ih.observe(&crit_north.clone().resolved_at(20));
        let warn: Labels = [("severity", "warning"), ("site", "north")]
            .into_iter()
            .collect();
        assert!(ih.is_inhibited(&warn, 19));
        assert!(!ih.is_inhibited(&warn, 20));
        ih.gc(21);
        assert!(!ih.is_inhibited(&warn, 0));
    }

    #[test]
    fn missing_equal_labels_are_equal() {
        let mut ih = Inhibitor::new(vec![rule(r#"a="1""#, r#"b="1""#, &["zone"])]);
        ih.observe(&alert(&[("a", "1")]));
        assert!(ih.is_inhibited(&[("b", "1")].into_iter().collect(), 0));
        assert!(!ih.is_inhibited(&[("b", "1"), ("zone", "z")].into_iter().collect(), 0));
    }

    #[test]
    fn an_alert_does_not_inhibit_itself() {
        // Source and target overlap: `team=ops` inhibits `team=ops`.
        let mut ih = Inhibitor::new(vec![rule(r#"team="ops""#, r#"team="ops""#, &[])]);
        let a = alert(&[("team", "ops"), ("alertname", "A")]);
        ih.observe(&a);
        assert!(!ih.is_inhibited(&a.labels, 0));
        // Another alert matching only the target... both match both sides, so neither mutes.
        let b = alert(&[("team", "ops"), ("alertname", "B")]);
        ih.observe(&b);
        assert!(!ih.is_inhibited(&b.labels, 0));
        // A source matching only the source side does inhibit.
        let mut ih = Inhibitor::new(vec![rule(r#"sev=~"crit|warn""#, r#"sev="warn""#, &[])]);
        let crit = alert(&[("sev", "crit")]);
        let warn = alert(&[("sev", "warn")]);
        ih.observe(&crit);
        ih.observe(&warn);
        assert!(ih.is_inhibited(&warn.labels, 0));
        assert!(!ih.is_inhibited(&crit.labels, 0));
    }
}
