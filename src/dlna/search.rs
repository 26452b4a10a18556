//! `SearchCriteria` (ContentDirectory:1, section 2.5.5) as far as TVs use it: `*`,
//! `dc:title contains "…"`, `upnp:class derivedfrom "…"` or `= "…"`, joined with `and`,
//! `or` and parentheses. What this server cannot narrow by (`exists`, other
//! properties) is read and does not narrow.

/// What a search asks for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Wanted {
    /// Whether videos can match at all (a search for containers or music finds none).
    pub items: bool,
    /// Only films (`object.item.videoItem.movie`).
    pub films_only: bool,
    /// The words titles must contain.
    pub title: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Open,
    Close,
    And,
    Or,
    Word(String),
    Quoted(String),
}

fn tokens(text: &str) -> Option<Vec<Token>> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' => {
                chars.next();
                out.push(Token::Open);
            }
            ')' => {
                chars.next();
                out.push(Token::Close);
            }
            '"' => {
                chars.next();
                let mut s = String::new();
                loop {
                    match chars.next()? {
                        '\\' => s.push(chars.next()?),
                        '"' => break,
                        c => s.push(c),
                    }
                }
                out.push(Token::Quoted(s));
            }
            _ => {
                let mut s = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || c == '(' || c == ')' || c == '"' {
                        break;
                    }
                    s.push(c);
                    chars.next();
                }
                out.push(match s.to_ascii_lowercase().as_str() {
                    "and" => Token::And,
                    "or" => Token::Or,
                    _ => Token::Word(s),
                });
            }
        }
    }
    Some(out)
}

/// One condition's effect on what is wanted.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Cond {
    Any,
    Title(String),
    Class { items: bool, films_only: bool },
}

/// Reads the criteria; `None` when they do not parse (fault 708).
pub fn parse(criteria: &str) -> Option<Wanted> {
    let criteria = criteria.trim();
    if criteria.is_empty() || criteria == "*" {
        return Some(Wanted {
            items: true,
            ..Wanted::default()
        });
    }
    let toks = tokens(criteria)?;
    if toks.len() > 200 {
        return None;
    }
    let mut at = 0;
    let conds = expression(&toks, &mut at, 0)?;
    if at != toks.len() {
        return None;
    }
    // Conditions joined by `or` widen: each alternative's own narrowing is dropped
    // unless all agree. Joined by `and` they narrow together.
    Some(conds)
}

fn expression(toks: &[Token], at: &mut usize, depth: usize) -> Option<Wanted> {
    if depth > 20 {
        return None;
    }
    let mut result = term(toks, at, depth)?;
    while let Some(op) = toks.get(*at) {
        let or = match op {
            Token::And => false,
            Token::Or => true,
            _ => break,
        };
        *at += 1;
        let next = term(toks, at, depth)?;
        result = if or {
            Wanted {
                items: result.items || next.items,
                films_only: result.films_only && next.films_only,
                title: if result.title == next.title {
                    result.title
                } else {
                    None
                },
            }
        } else {
            Wanted {
                items: result.items && next.items,
                films_only: result.films_only || next.films_only,
                title: match (result.title, next.title) {
                    (Some(a), Some(b)) => Some(format!("{a} {b}")),
                    (a, b) => a.or(b),
                },
            }
        };
    }
    Some(result)
}

fn term(toks: &[Token], at: &mut usize, depth: usize) -> Option<Wanted> {
    if toks.get(*at) == Some(&Token::Open) {
        *at += 1;
        let inner = expression(toks, at, depth + 1)?;
        if toks.get(*at) != Some(&Token::Close) {
            return None;
        }
        *at += 1;
        return Some(inner);
    }
    let Token::Word(property) = toks.get(*at)? else {
        return None;
    };
    let Token::Word(op) = toks.get(*at + 1)? else {
        return None;
    };
    let value = match toks.get(*at + 2)? {
        Token::Quoted(v) | Token::Word(v) => v.clone(),
        _ => return None,
    };
    *at += 3;
    let op = op.to_ascii_lowercase();
    let known_op = matches!(
        op.as_str(),
        "=" | "!="
            | "<"
            | "<="
            | ">"
            | ">="
            | "contains"
            | "doesnotcontain"
            | "derivedfrom"
            | "exists"
            | "startswith"
    );
    if !known_op {
        return None;
    }
    let cond = match (property.as_str(), op.as_str()) {
        ("dc:title", "contains" | "=" | "startswith") => Cond::Title(value),
        ("upnp:class", "derivedfrom" | "=") => {
            let v = value.as_str();
            let films_only = v.starts_with("object.item.videoItem.movie");
            let items =
                v == "object" || v == "object.item" || v.starts_with("object.item.videoItem");
            Cond::Class { items, films_only }
        }
        _ => Cond::Any,
    };
    Some(match cond {
        Cond::Any => Wanted {
            items: true,
            ..Wanted::default()
        },
        Cond::Title(t) => Wanted {
            items: true,
            films_only: false,
            title: Some(t),
        },
        Cond::Class { items, films_only } => Wanted {
            items,
            films_only,
            title: None,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_tvs_send_is_read() {
        assert!(parse("*").unwrap().items);
        let w = parse(
            r#"upnp:class derivedfrom "object.item.videoItem" and dc:title contains "alien""#,
        )
        .unwrap();
        assert_eq!(
            w,
            Wanted {
                items: true,
                films_only: false,
                title: Some("alien".into())
            }
        );
        let films = parse(r#"(upnp:class = "object.item.videoItem.movie")"#).unwrap();
        assert!(films.items && films.films_only);
        let music = parse(r#"upnp:class derivedfrom "object.item.audioItem""#).unwrap();
        assert!(!music.items);
        let either = parse(
            r#"(upnp:class derivedfrom "object.item.audioItem") or (upnp:class derivedfrom "object.item.videoItem")"#,
        )
        .unwrap();
        assert!(either.items);
        let exists = parse(r#"upnp:genre exists true and dc:title contains "a \"b\"""#).unwrap();
        assert_eq!(exists.title.as_deref(), Some("a \"b\""));
    }

    #[test]
    fn what_does_not_parse_is_refused() {
        for bad in [
            "dc:title",
            "dc:title contains",
            r#"dc:title contains "open"#,
            r#"(dc:title contains "a""#,
            r#"dc:title like "a""#,
            r#"dc:title contains "a" and"#,
            &"(".repeat(50),
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
