//! Lexing and parsing of the Go `text/template` subset Prometheus rules use, with Go's parse-time
//! checks (unknown functions, undefined variables, unbalanced `if`/`range`/`with`/`end`), so a
//! template that `promtool check rules` refuses is refused here too, with its line and column.

use super::TemplateError;
use super::funcs::is_known_function;
use super::notify_funcs::is_known_notify_function;

/// Which flavour of Go template is parsed: Prometheus' rule templates (its functions and
/// variables, no `define`) or Alertmanager's notification templates (its functions, `define`,
/// `template` and `block`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// Prometheus rule annotations and labels.
    Rule,
    /// Alertmanager notification templates.
    Notify,
}

/// Named templates from `{{define}}` and `{{block}}`, in order of definition.
pub(crate) type Defines = Vec<(String, Vec<Node>)>;

/// A parsed template body.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Node {
    /// Literal text.
    Text(String),
    /// `{{ pipeline }}`: printed unless it declares a variable.
    Action(Pipeline),
    /// `{{ if }}…{{ else }}…{{ end }}`.
    If(Pipeline, Vec<Node>, Vec<Node>),
    /// `{{ with }}…{{ else }}…{{ end }}`.
    With(Pipeline, Vec<Node>, Vec<Node>),
    /// `{{ range }}…{{ else }}…{{ end }}`.
    Range(Pipeline, Vec<Node>, Vec<Node>),
    /// `{{ break }}` inside a range.
    Break,
    /// `{{ continue }}` inside a range.
    Continue,
    /// `{{ template "name" pipeline }}` (notification templates only), with its position.
    Template(String, Option<Pipeline>, (usize, usize)),
}

/// `$x := cmd | cmd`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Pipeline {
    /// Declared (or assigned) variables, without `$`.
    pub(crate) decl: Vec<String>,
    /// `$x = v` (assign the existing `$x`) rather than `$x := v` (declare a new one).
    pub(crate) assign: bool,
    /// The commands; each one's result is the last argument of the next.
    pub(crate) cmds: Vec<Command>,
    /// Line and column, for execution errors.
    pub(crate) pos: (usize, usize),
}

/// One stage of a pipeline: a function and its arguments, or a single operand.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Command {
    pub(crate) args: Vec<Arg>,
}

/// An operand.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Arg {
    /// `.` or `.A.B` (empty path is the dot itself).
    Field(Vec<String>),
    /// `$x` or `$x.A.B`.
    Var(String, Vec<String>),
    /// A function name.
    Func(String),
    /// A string literal.
    Str(String),
    /// An integer literal.
    Int(i64),
    /// A float literal.
    Float(f64),
    /// `true`/`false`.
    Bool(bool),
    /// `nil`.
    Nil,
    /// `( pipeline )` with an optional field chain after it.
    Sub(Box<Pipeline>, Vec<String>),
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    Var(String, Vec<String>),
    Field(Vec<String>),
    Str(String),
    Char(i64),
    Num(String),
    Bool(bool),
    Nil,
    Pipe,
    LParen,
    RParen,
    FieldAfterParen(Vec<String>),
    Declare,
    Assign,
    Comma,
}

/// A lexed action: its tokens with their offsets.
struct Action {
    toks: Vec<(Tok, usize)>,
    start: usize,
}

/// Variables Prometheus defines before every template.
const PREDEFINED: [&str; 5] = ["", "labels", "externalLabels", "externalURL", "value"];

pub(crate) fn parse(src: &str) -> Result<Vec<Node>, TemplateError> {
    parse_dialect(src, Dialect::Rule).map(|(nodes, _)| nodes)
}

/// Parses a notification template: its top-level body and the templates it defines.
pub(crate) fn parse_notify(src: &str) -> Result<(Vec<Node>, Defines), TemplateError> {
    parse_dialect(src, Dialect::Notify)
}

fn parse_dialect(src: &str, dialect: Dialect) -> Result<(Vec<Node>, Defines), TemplateError> {
    let mut items = Vec::new();
    lex(src, &mut items)?;
    let predefined: &[&str] = match dialect {
        Dialect::Rule => &PREDEFINED,
        Dialect::Notify => &[""],
    };
    let mut p = Parser {
        src,
        items,
        pos: 0,
        vars: predefined.iter().map(|s| s.to_string()).collect(),
        range_depth: 0,
        else_rest: Vec::new(),
        dialect,
        depth: 0,
        defines: Vec::new(),
    };
    let (nodes, end) = p.list()?;
    if let Some((word, at)) = end {
        return Err(err_at(src, at, format!("unexpected {{{{{word}}}}}")));
    }
    Ok((nodes, p.defines))
}

pub(crate) fn line_col(src: &str, at: usize) -> (usize, usize) {
    let before = &src[..at.min(src.len())];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rfind('\n')
        .map_or(before.len(), |i| before.len() - i - 1)
        + 1;
    (line, col)
}

fn err_at(src: &str, at: usize, message: String) -> TemplateError {
    let (line, column) = line_col(src, at);
    TemplateError {
        line,
        column,
        message,
    }
}

enum Item {
    Text(String),
    Action(Action),
}

fn lex(src: &str, out: &mut Vec<Item>) -> Result<(), TemplateError> {
    let b = src.as_bytes();
    let mut i = 0;
    let mut trim_next = false;
    while i < b.len() {
        let Some(open) = src[i..].find("{{").map(|o| o + i) else {
            push_text(out, &src[i..], trim_next, false);
            break;
        };
        let left_trim = src[open + 2..].starts_with('-')
            && src[open + 3..].starts_with(|c: char| c.is_ascii_whitespace());
        push_text(out, &src[i..open], trim_next, left_trim);
        let mut j = open + 2 + if left_trim { 2 } else { 0 };
        // Comments: `{{/* ... */}}`, possibly with trim markers.
        let after_ws = j + src[j..].len() - src[j..].trim_start().len();
        if src[if left_trim { after_ws } else { j }..].starts_with("/*") {
            let cstart = if left_trim { after_ws } else { j };
            let Some(close) = src[cstart + 2..].find("*/").map(|c| c + cstart + 2) else {
                return Err(err_at(src, open, "unclosed comment".into()));
            };
            let rest = &src[close + 2..];
            let (rt, len) = if rest.starts_with(" -}}") {
                (true, 4)
            } else if rest.starts_with("}}") {
                (false, 2)
            } else {
                return Err(err_at(
                    src,
                    open,
                    "comment ends before closing delimiter".into(),
                ));
            };
            trim_next = rt;
            i = close + 2 + len;
            continue;
        }
        let mut toks = Vec::new();
        loop {
            while j < b.len() && b[j].is_ascii_whitespace() {
                // ` -}}` is a right trim marker.
                if src[j..].starts_with(" -}}")
                    || src[j..].starts_with("\t-}}")
                    || src[j..].starts_with("\n-}}")
                {
                    break;
                }
                j += 1;
            }
            if j >= b.len() {
                return Err(err_at(src, open, "unclosed action".into()));
            }
            if src[j..].starts_with("}}") {
                trim_next = false;
                i = j + 2;
                break;
            }
            if b[j].is_ascii_whitespace() {
                trim_next = true;
                i = j + 4;
                break;
            }
            let start = j;
            let c = b[j];
            let tok = match c {
                b'|' => {
                    j += 1;
                    Tok::Pipe
                }
                b'(' => {
                    j += 1;
                    Tok::LParen
                }
                b')' => {
                    j += 1;
                    if b.get(j) == Some(&b'.') && b.get(j + 1).is_some_and(|c| is_ident(*c)) {
                        let (path, e) = field_path(src, j);
                        j = e;
                        toks.push((Tok::RParen, start));
                        Tok::FieldAfterParen(path)
                    } else {
                        Tok::RParen
                    }
                }
                b',' => {
                    j += 1;
                    Tok::Comma
                }
                b':' if b.get(j + 1) == Some(&b'=') => {
                    j += 2;
                    Tok::Declare
                }
                b'=' => {
                    j += 1;
                    Tok::Assign
                }
                b'"' => {
                    let (s, e) = quoted(src, j)
                        .ok_or_else(|| err_at(src, start, "unterminated quoted string".into()))?;
                    j = e;
                    Tok::Str(s)
                }
                b'`' => {
                    let Some(e) = src[j + 1..].find('`').map(|e| e + j + 1) else {
                        return Err(err_at(src, start, "unterminated raw quoted string".into()));
                    };
                    let s = src[j + 1..e].to_string();
                    j = e + 1;
                    Tok::Str(s)
                }
                b'\'' => {
                    let rest = &src[j + 1..];
                    let mut chars = rest.char_indices();
                    let (ch, len) = match chars.next() {
                        Some((_, '\\')) => match chars.next() {
                            Some((k, c)) => (unescape(c), k + c.len_utf8()),
                            None => {
                                return Err(err_at(
                                    src,
                                    start,
                                    "unterminated character constant".into(),
                                ));
                            }
                        },
                        Some((_, c)) if c != '\'' => (c, c.len_utf8()),
                        _ => return Err(err_at(src, start, "malformed character constant".into())),
                    };
                    if !rest[len..].starts_with('\'') {
                        return Err(err_at(src, start, "unterminated character constant".into()));
                    }
                    j += 1 + len + 1;
                    Tok::Char(i64::from(u32::from(ch)))
                }
                b'$' => {
                    let mut e = j + 1;
                    while e < b.len() && is_ident(b[e]) {
                        e += 1;
                    }
                    let name = src[j + 1..e].to_string();
                    let (path, e) = if b.get(e) == Some(&b'.') {
                        field_path(src, e)
                    } else {
                        (Vec::new(), e)
                    };
                    j = e;
                    Tok::Var(name, path)
                }
                b'.' if b.get(j + 1).is_some_and(|c| c.is_ascii_digit()) => {
                    let e = number_end(b, j);
                    let t = src[j..e].to_string();
                    j = e;
                    Tok::Num(t)
                }
                b'.' => {
                    let (path, e) = field_path(src, j);
                    j = e;
                    Tok::Field(path)
                }
                b'0'..=b'9' | b'+' | b'-' => {
                    let e = number_end(b, j);
                    let t = &src[j..e];
                    if !t.bytes().any(|c| c.is_ascii_digit()) {
                        return Err(err_at(src, start, format!("illegal number syntax: {t:?}")));
                    }
                    j = e;
                    Tok::Num(t.to_string())
                }
                c if is_ident(c) => {
                    let mut e = j;
                    while e < b.len() && is_ident(b[e]) {
                        e += 1;
                    }
                    let w = &src[j..e];
                    j = e;
                    match w {
                        "true" => Tok::Bool(true),
                        "false" => Tok::Bool(false),
                        "nil" => Tok::Nil,
                        _ => Tok::Ident(w.to_string()),
                    }
                }
                _ => {
                    let ch = src[j..].chars().next().unwrap_or('?');
                    return Err(err_at(src, start, format!("unexpected {ch:?} in command")));
                }
            };
            toks.push((tok, start));
        }
        out.push(Item::Action(Action { toks, start: open }));
    }
    Ok(())
}

fn push_text(out: &mut Vec<Item>, text: &str, trim_left: bool, trim_right: bool) {
    let mut t = text;
    if trim_left {
        t = t.trim_start();
    }
    if trim_right {
        t = t.trim_end();
    }
    if !t.is_empty() {
        out.push(Item::Text(t.to_string()));
    }
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

fn number_end(b: &[u8], mut j: usize) -> usize {
    if matches!(b.get(j), Some(b'+' | b'-')) {
        j += 1;
    }
    while j < b.len() {
        let c = b[j];
        let exp_sign = matches!(c, b'+' | b'-') && matches!(b[j - 1], b'e' | b'E' | b'p' | b'P');
        if c.is_ascii_alphanumeric() || c == b'.' || c == b'_' || exp_sign {
            j += 1;
        } else {
            break;
        }
    }
    j
}

fn field_path(src: &str, mut j: usize) -> (Vec<String>, usize) {
    let b = src.as_bytes();
    let mut path = Vec::new();
    while b.get(j) == Some(&b'.') {
        let s = j + 1;
        let mut e = s;
        while e < b.len() && is_ident(b[e]) {
            e += 1;
        }
        if e > s {
            path.push(src[s..e].to_string());
        }
        j = e;
        if e == s {
            break;
        }
    }
    (path, j)
}

fn unescape(c: char) -> char {
    match c {
        'n' => '\n',
        't' => '\t',
        'r' => '\r',
        '0' => '\0',
        other => other,
    }
}

fn quoted(src: &str, start: usize) -> Option<(String, usize)> {
    let mut out = String::new();
    let mut chars = src[start + 1..].char_indices();
    while let Some((k, c)) = chars.next() {
        match c {
            '"' => return Some((out, start + 1 + k + 1)),
            '\n' => return None,
            '\\' => {
                let (_, e) = chars.next()?;
                out.push(unescape(e));
            }
            c => out.push(c),
        }
    }
    None
}

struct Parser<'a> {
    src: &'a str,
    items: Vec<Item>,
    pos: usize,
    vars: Vec<String>,
    range_depth: usize,
    /// Tokens after `else` in the last `{{else …}}` seen.
    else_rest: Vec<(Tok, usize)>,
    dialect: Dialect,
    /// Nesting of `if`/`with`/`range` (`define` is only allowed at the top).
    depth: usize,
    /// Templates defined so far.
    defines: Defines,
}

type End = Option<(&'static str, usize)>;

impl Parser<'_> {
    /// Nodes up to `{{end}}`/`{{else}}` (returned with their offset) or the end of input.
    fn list(&mut self) -> Result<(Vec<Node>, End), TemplateError> {
        let mut nodes = Vec::new();
        while self.pos < self.items.len() {
            let i = self.pos;
            self.pos += 1;
            let Item::Action(a) = &self.items[i] else {
                if let Item::Text(t) = &self.items[i] {
                    nodes.push(Node::Text(t.clone()));
                }
                continue;
            };
            let toks = a.toks.clone();
            let start = a.start;
            let keyword = match toks.first() {
                Some((Tok::Ident(w), _)) => w.as_str(),
                None => return Err(self.err(start, "missing value for command")),
                _ => "",
            };
            match keyword {
                "end" => return Ok((nodes, Some(("end", start)))),
                "else" => {
                    self.else_rest = toks[1..].to_vec();
                    return Ok((nodes, Some(("else", start))));
                }
                "if" | "with" | "range" => {
                    nodes.push(self.control(keyword, &toks[1..], start)?);
                }
                "break" | "continue" => {
                    if self.range_depth == 0 {
                        return Err(
                            self.err(start, &format!("{{{{{keyword}}}}} outside {{{{range}}}}"))
                        );
                    }
                    nodes.push(if keyword == "break" {
                        Node::Break
                    } else {
                        Node::Continue
                    });
                }
                "define" | "block" | "template" if self.dialect == Dialect::Notify => {
                    if let Some(node) = self.named(keyword, &toks[1..], start)? {
                        nodes.push(node);
                    }
                }
                "define" | "block" | "template" => {
                    return Err(self.err(
                        start,
                        &format!("{{{{{keyword}}}}} is not supported in rule templates"),
                    ));
                }
                _ => {
                    let pipe = self.pipeline(&toks, start, false)?;
                    nodes.push(Node::Action(pipe));
                }
            }
        }
        Ok((nodes, None))
    }

    fn control(
        &mut self,
        kw: &str,
        toks: &[(Tok, usize)],
        start: usize,
    ) -> Result<Node, TemplateError> {
        let saved = self.vars.len();
        let pipe = self.pipeline(toks, start, kw == "range")?;
        if kw == "range" {
            self.range_depth += 1;
        }
        self.depth += 1;
        let (body, end) = self.list()?;
        self.depth -= 1;
        if kw == "range" {
            self.range_depth -= 1;
        }
        let else_body = match end {
            None => return Err(self.err(self.src.len(), "unexpected EOF")),
            Some(("end", _)) => Vec::new(),
            Some((_, at)) => {
                let rest = std::mem::take(&mut self.else_rest);
                match rest.first() {
                    // `{{else if …}}` / `{{else with …}}` chain into a nested control that shares
                    // this one's `{{end}}`.
                    Some((Tok::Ident(w), _)) if (w == "if" || w == "with") && w == kw => {
                        let w = w.clone();
                        vec![self.control(&w, &rest[1..], at)?]
                    }
                    Some(_) => return Err(self.err(at, "unexpected tokens after {{else}}")),
                    None => {
                        let (else_body, end) = self.list()?;
                        match end {
                            Some(("end", _)) => else_body,
                            Some((w, at)) => {
                                return Err(self.err(at, &format!("unexpected {{{{{w}}}}}")));
                            }
                            None => return Err(self.err(self.src.len(), "unexpected EOF")),
                        }
                    }
                }
            }
        };
        self.vars.truncate(saved);
        Ok(match kw {
            "if" => Node::If(pipe, body, else_body),
            "with" => Node::With(pipe, body, else_body),
            _ => Node::Range(pipe, body, else_body),
        })
    }

    fn err(&self, at: usize, msg: &str) -> TemplateError {
        err_at(self.src, at, msg.to_string())
    }

    /// `{{define "name"}}…{{end}}` (returns no node), `{{template "name" pipeline}}` and
    /// `{{block "name" pipeline}}…{{end}}` (a definition and its call).
    fn named(
        &mut self,
        kw: &str,
        toks: &[(Tok, usize)],
        start: usize,
    ) -> Result<Option<Node>, TemplateError> {
        let Some((Tok::Str(name), _)) = toks.first() else {
            return Err(self.err(
                start,
                &format!("{{{{{kw}}}}}: expected a quoted template name"),
            ));
        };
        let name = name.clone();
        let rest = &toks[1..];
        if kw == "define" && !rest.is_empty() {
            return Err(self.err(start, "unexpected tokens after {{define}} name"));
        }
        if kw != "template" && self.depth > 0 {
            return Err(self.err(start, &format!("{{{{{kw}}}}} must be at the top level")));
        }
        let pipe = if rest.is_empty() {
            None
        } else {
            Some(self.pipeline(rest, start, false)?)
        };
        if kw != "template" {
            // A definition's body sees only `$` (its own dot), never the caller's variables.
            let vars = std::mem::replace(&mut self.vars, vec![String::new()]);
            let range_depth = std::mem::take(&mut self.range_depth);
            let (body, end) = self.list()?;
            self.vars = vars;
            self.range_depth = range_depth;
            match end {
                Some(("end", _)) => {}
                Some((w, at)) => return Err(self.err(at, &format!("unexpected {{{{{w}}}}}"))),
                None => return Err(self.err(self.src.len(), "unexpected EOF")),
            }
            self.defines.push((name.clone(), body));
        }
        if kw == "define" {
            return Ok(None);
        }
        Ok(Some(Node::Template(name, pipe, line_col(self.src, start))))
    }

    fn pipeline(
        &mut self,
        toks: &[(Tok, usize)],
        start: usize,
        range: bool,
    ) -> Result<Pipeline, TemplateError> {
        let mut decl = Vec::new();
        let mut assign = false;
        let mut rest = toks;
        // Declarations: `$x :=`, `$x =`, `$i, $e :=` (range only).
        let decl_end = toks
            .iter()
            .position(|(t, _)| matches!(t, Tok::Declare | Tok::Assign));
        if let Some(k) = decl_end {
            let names: Vec<_> = toks[..k]
                .iter()
                .filter(|(t, _)| !matches!(t, Tok::Comma))
                .collect();
            let all_vars = !names.is_empty()
                && names
                    .iter()
                    .all(|(t, _)| matches!(t, Tok::Var(_, p) if p.is_empty()));
            if all_vars && (names.len() == 1 || (range && names.len() == 2)) {
                let declare = matches!(toks[k].0, Tok::Declare);
                assign = !declare;
                for (t, at) in names {
                    if let Tok::Var(n, _) = t {
                        if !declare && !self.vars.contains(n) {
                            return Err(self.err(*at, &format!("undefined variable \"${n}\"")));
                        }
                        decl.push(n.clone());
                    }
                }
                if declare {
                    self.vars.extend(decl.iter().cloned());
                }
                rest = &toks[k + 1..];
            }
        }
        let pos = line_col(self.src, start);
        let mut cmds = Vec::new();
        let mut i = 0;
        while i < rest.len() {
            let (cmd, next) = self.command(rest, i, start)?;
            // Go's checkPipeline: a later stage must be something that can take an argument.
            let literal = matches!(
                cmd.args.first(),
                Some(Arg::Str(_) | Arg::Int(_) | Arg::Float(_) | Arg::Bool(_) | Arg::Nil)
            ) || matches!(cmd.args.first(), Some(Arg::Field(p)) if p.is_empty());
            if !cmds.is_empty() && literal {
                return Err(self.err(
                    start,
                    &format!(
                        "non executable command in pipeline stage {}",
                        cmds.len() + 1
                    ),
                ));
            }
            cmds.push(cmd);
            i = next;
        }
        if cmds.is_empty() {
            return Err(self.err(start, "missing value for command"));
        }
        Ok(Pipeline {
            decl,
            assign,
            cmds,
            pos,
        })
    }

    /// One command from `toks[i..]`, up to and including a `|`; returns the next index.
    fn command(
        &mut self,
        toks: &[(Tok, usize)],
        mut i: usize,
        start: usize,
    ) -> Result<(Command, usize), TemplateError> {
        let mut args = Vec::new();
        while i < toks.len() {
            let (tok, at) = &toks[i];
            i += 1;
            let arg = match tok {
                Tok::Pipe => {
                    if args.is_empty() {
                        return Err(self.err(*at, "missing command"));
                    }
                    break;
                }
                Tok::RParen => return Err(self.err(*at, "unexpected right paren")),
                Tok::LParen => {
                    let mut depth = 1;
                    let mut k = i;
                    while k < toks.len() {
                        match toks[k].0 {
                            Tok::LParen => depth += 1,
                            Tok::RParen => {
                                depth -= 1;
                                if depth == 0 {
                                    break;
                                }
                            }
                            _ => {}
                        }
                        k += 1;
                    }
                    if depth != 0 {
                        return Err(self.err(*at, "unclosed left paren"));
                    }
                    let inner = self.pipeline(&toks[i..k], *at, false)?;
                    i = k + 1;
                    let path = match toks.get(i) {
                        Some((Tok::FieldAfterParen(p), _)) => {
                            i += 1;
                            p.clone()
                        }
                        _ => Vec::new(),
                    };
                    Arg::Sub(Box::new(inner), path)
                }
                Tok::Ident(name) => {
                    if matches!(
                        name.as_str(),
                        "end"
                            | "else"
                            | "if"
                            | "range"
                            | "with"
                            | "define"
                            | "template"
                            | "block"
                            | "break"
                            | "continue"
                    ) {
                        return Err(self.err(*at, &format!("unexpected <{name}> in command")));
                    }
                    let known = match self.dialect {
                        Dialect::Rule => is_known_function(name),
                        Dialect::Notify => is_known_notify_function(name),
                    };
                    if !known {
                        return Err(self.err(*at, &format!("function {name:?} not defined")));
                    }
                    Arg::Func(name.clone())
                }
                Tok::Var(name, path) => {
                    if !self.vars.iter().any(|v| v == name) {
                        return Err(self.err(*at, &format!("undefined variable \"${name}\"")));
                    }
                    Arg::Var(name.clone(), path.clone())
                }
                Tok::Field(path) => Arg::Field(path.clone()),
                Tok::Str(s) => Arg::Str(s.clone()),
                Tok::Char(c) => Arg::Int(*c),
                Tok::Num(t) => number(t)
                    .ok_or_else(|| self.err(*at, &format!("illegal number syntax: {t:?}")))?,
                Tok::Bool(v) => Arg::Bool(*v),
                Tok::Nil => Arg::Nil,
                Tok::Declare | Tok::Assign | Tok::Comma | Tok::FieldAfterParen(_) => {
                    return Err(self.err(*at, "unexpected token in operand"));
                }
            };
            args.push(arg);
        }
        if args.is_empty() {
            return Err(self.err(start, "empty command"));
        }
        Ok((Command { args }, i))
    }
}

fn number(t: &str) -> Option<Arg> {
    let clean = t.replace('_', "");
    let (neg, digits) = match clean.strip_prefix('-') {
        Some(d) => (true, d.to_string()),
        None => (false, clean.trim_start_matches('+').to_string()),
    };
    let int = if let Some(h) = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        i64::from_str_radix(h, 16).ok()
    } else if let Some(o) = digits
        .strip_prefix("0o")
        .or_else(|| digits.strip_prefix("0O"))
    {
        i64::from_str_radix(o, 8).ok()
    } else if let Some(bn) = digits
        .strip_prefix("0b")
        .or_else(|| digits.strip_prefix("0B"))
    {
        i64::from_str_radix(bn, 2).ok()
    } else if !digits.contains(['.', 'e', 'E']) {
        digits.parse::<i64>().ok()
    } else {
        None
    };
    if let Some(n) = int {
        return Some(Arg::Int(if neg { -n } else { n }));
    }
    let f: f64 = digits.parse().ok()?;
    Some(Arg::Float(if neg { -f } else { f }))
}
