//! Variable queries on `testdata`, like Grafana's TestData: a fixed tree of names `A`, `B`,
//! `C`, their children `AA`, `AB`, ... down to six letters, queried with dot-separated
//! segments: `*` (the level's names), a node name (descend into it: `A.AB.*`; case-insensitive
//! here), a prefix glob `A*`, or a set `{A,B}`. `*` answers `A`, `B`, `C`; `A.*` answers `AA`,
//! `AB`, `AC`. A query starting with `value` answers itself.

/// The letters of each level.
const LETTERS: [char; 3] = ['A', 'B', 'C'];
/// The deepest names have this many letters.
const MAX_DEPTH: usize = 6;

/// The names a query selects, in tree order.
pub(crate) fn query(query: &str) -> Vec<String> {
    let query = query.trim();
    if query.starts_with("value") {
        return vec![query.to_owned()];
    }
    let segments: Vec<&str> = query.split('.').collect();
    select(children(""), &segments)
}

fn children(parent: &str) -> Vec<String> {
    if parent.len() >= MAX_DEPTH {
        return Vec::new();
    }
    LETTERS.iter().map(|c| format!("{parent}{c}")).collect()
}

/// Grafana's `queryTree`: the nodes of one level matched against the first segment.
fn select(nodes: Vec<String>, segments: &[&str]) -> Vec<String> {
    let Some((segment, rest)) = segments.split_first() else {
        return nodes;
    };
    if *segment == "*" {
        return nodes;
    }
    let names: Vec<&str> = match segment.strip_prefix('{') {
        Some(set) => set.trim_end_matches('}').split(',').collect(),
        None => vec![segment],
    };
    let mut out = Vec::new();
    for node in nodes {
        for name in &names {
            if name.contains('*') {
                // Grafana drops the first `*` and matches the rest as a prefix.
                let prefix = name.replacen('*', "", 1).to_ascii_uppercase();
                if node.to_ascii_uppercase().starts_with(&prefix) {
                    out.extend(select(vec![node.clone()], rest));
                }
            } else if node.eq_ignore_ascii_case(name) {
                out.extend(select(children(&node), rest));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grafana_testdata_tree() {
        assert_eq!(query("*"), ["A", "B", "C"]);
        assert_eq!(query("A.*"), ["AA", "AB", "AC"]);
        assert_eq!(query("a.*"), ["AA", "AB", "AC"]);
        assert_eq!(query("{A,C}.*"), ["AA", "AB", "AC", "CA", "CB", "CC"]);
        assert_eq!(query("B.BC.*"), ["BCA", "BCB", "BCC"]);
        assert!(query("B.C.*").is_empty(), "segments name whole nodes");
        assert_eq!(query("A*"), ["A"]);
        assert_eq!(query("value-1"), ["value-1"]);
        assert_eq!(query("AAAAAA.*"), Vec::<String>::new());
        assert!(query("Z").is_empty());
    }
}
