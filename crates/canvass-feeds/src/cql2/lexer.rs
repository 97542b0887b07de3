//! The tokens of CQL2 text, each with the byte offset where it starts.

use crate::cql2::literal::Number;
use crate::error::{QueryError, cut};
use crate::filter::CompareOp;

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Kind<'a> {
    /// A keyword, function name or unquoted property name.
    Word(&'a str),
    /// A double-quoted property name, `""` unescaped.
    Name(String),
    /// A single-quoted string, `''` unescaped.
    Text(String),
    /// A number.
    Number(Number),
    /// `(`
    Open,
    /// `)`
    Close,
    /// `,`
    Comma,
    /// A comparison operator.
    Compare(CompareOp),
    /// The end of the text.
    End,
}

/// A token and where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Token<'a> {
    /// What it is.
    pub(super) kind: Kind<'a>,
    /// Its first byte.
    pub(super) at: usize,
}

impl Kind<'_> {
    /// The token as a message names it.
    pub(super) fn describe(&self) -> String {
        match self {
            Kind::Word(word) => format!("the word {}", cut(word)),
            Kind::Name(name) => format!("the name {:?}", cut(name)),
            Kind::Text(text) => format!("the text '{}'", cut(text)),
            Kind::Number(n) => format!("the number {}", n.real),
            Kind::Open => "\"(\"".to_owned(),
            Kind::Close => "\")\"".to_owned(),
            Kind::Comma => "\",\"".to_owned(),
            Kind::Compare(_) => "a comparison operator".to_owned(),
            Kind::End => "the end of the filter".to_owned(),
        }
    }

    /// Whether it is the keyword `keyword` (ASCII upper case), in any case.
    pub(super) fn is(&self, keyword: &str) -> bool {
        matches!(self, Kind::Word(word) if word.eq_ignore_ascii_case(keyword))
    }
}

/// Reads tokens from CQL2 text.
#[derive(Debug)]
pub(super) struct Lexer<'a> {
    text: &'a str,
    pos: usize,
}

fn syntax(message: String) -> QueryError {
    QueryError::Syntax(message)
}

impl<'a> Lexer<'a> {
    /// A lexer at the start of `text`.
    pub(super) fn new(text: &'a str) -> Lexer<'a> {
        Lexer { text, pos: 0 }
    }

    fn byte(&self, at: usize) -> Option<u8> {
        self.text.as_bytes().get(at).copied()
    }

    /// The next token.
    pub(super) fn next_token(&mut self) -> Result<Token<'a>, QueryError> {
        while self.byte(self.pos).is_some_and(|b| b.is_ascii_whitespace()) {
            self.pos += 1;
        }
        let at = self.pos;
        let Some(first) = self.byte(at) else {
            return Ok(Token {
                kind: Kind::End,
                at,
            });
        };
        let second = self.byte(at + 1);
        let (kind, len) = match first {
            b'(' => (Kind::Open, 1),
            b')' => (Kind::Close, 1),
            b',' => (Kind::Comma, 1),
            b'=' => (Kind::Compare(CompareOp::Eq), 1),
            b'<' => match second {
                Some(b'>') => (Kind::Compare(CompareOp::Ne), 2),
                Some(b'=') => (Kind::Compare(CompareOp::Le), 2),
                _ => (Kind::Compare(CompareOp::Lt), 1),
            },
            b'>' => match second {
                Some(b'=') => (Kind::Compare(CompareOp::Ge), 2),
                _ => (Kind::Compare(CompareOp::Gt), 1),
            },
            b'\'' => {
                let text = self.quoted(b'\'')?;
                return Ok(Token {
                    kind: Kind::Text(text),
                    at,
                });
            }
            b'"' => {
                let name = self.quoted(b'"')?;
                return Ok(Token {
                    kind: Kind::Name(name),
                    at,
                });
            }
            b'!' if second == Some(b'=') => {
                return Err(syntax(format!(
                    "write <> for \"not equal\", not != (at byte {at})"
                )));
            }
            b if b.is_ascii_alphabetic() || b == b'_' => {
                let len = self.text[at..]
                    .bytes()
                    .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
                    .count();
                (Kind::Word(&self.text[at..at + len]), len)
            }
            b if b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.') => return self.number(),
            _ => {
                let character = self.text[at..].chars().next().unwrap_or('?');
                return Err(syntax(format!(
                    "unexpected character {character:?} at byte {at}"
                )));
            }
        };
        self.pos += len;
        Ok(Token { kind, at })
    }

    /// A quoted string or name; the quote doubled stands for itself.
    fn quoted(&mut self, quote: u8) -> Result<String, QueryError> {
        let start = self.pos;
        let mut value = String::new();
        let mut from = start + 1;
        let mut at = from;
        loop {
            match self.byte(at) {
                None => {
                    let what = if quote == b'\'' { "text" } else { "name" };
                    return Err(syntax(format!(
                        "the {what} starting at byte {start} has no closing quote"
                    )));
                }
                Some(b) if b == quote => {
                    value.push_str(&self.text[from..at]);
                    if self.byte(at + 1) == Some(quote) {
                        value.push(char::from(quote));
                        at += 2;
                        from = at;
                    } else {
                        self.pos = at + 1;
                        return Ok(value);
                    }
                }
                Some(_) => at += 1,
            }
        }
    }

    /// A number: sign, digits, fraction and exponent.
    fn number(&mut self) -> Result<Token<'a>, QueryError> {
        let at = self.pos;
        let bytes = &self.text.as_bytes()[at..];
        let mut len = usize::from(matches!(bytes.first(), Some(b'-' | b'+')));
        let digits = |from: usize| {
            bytes[from..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count()
        };
        len += digits(len);
        if bytes.get(len) == Some(&b'.') {
            len += 1 + digits(len + 1);
        }
        if matches!(bytes.get(len), Some(b'e' | b'E')) {
            let sign = usize::from(matches!(bytes.get(len + 1), Some(b'-' | b'+')));
            len += 1 + sign + digits(len + 1 + sign);
        }
        let text = &self.text[at..at + len];
        let number = Number::parse(text)
            .ok_or_else(|| syntax(format!("{:?} at byte {at} is not a number", cut(text))))?;
        self.pos = at + len;
        Ok(Token {
            kind: Kind::Number(number),
            at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Result<Vec<Kind<'_>>, QueryError> {
        let mut lexer = Lexer::new(text);
        let mut out = Vec::new();
        loop {
            let token = lexer.next_token()?;
            if token.kind == Kind::End {
                return Ok(out);
            }
            out.push(token.kind);
        }
    }

    #[test]
    fn reads_every_kind_of_token() {
        let n = |whole, real| {
            Kind::Number(Number {
                whole: Some(whole),
                real,
            })
        };
        assert_eq!(
            kinds("\"a\"\"b\" <> 'it''s' ( -12 , ) <= >= < > = x_1").unwrap(),
            vec![
                Kind::Name("a\"b".into()),
                Kind::Compare(CompareOp::Ne),
                Kind::Text("it's".into()),
                Kind::Open,
                n(-12, -12.0),
                Kind::Comma,
                Kind::Close,
                Kind::Compare(CompareOp::Le),
                Kind::Compare(CompareOp::Ge),
                Kind::Compare(CompareOp::Lt),
                Kind::Compare(CompareOp::Gt),
                Kind::Compare(CompareOp::Eq),
                Kind::Word("x_1"),
            ]
        );
        let Kind::Number(real) = &kinds("1.5e-3").unwrap()[0] else {
            panic!("not a number");
        };
        assert_eq!(real.real, 0.0015);
        assert_eq!(kinds("'é'").unwrap(), vec![Kind::Text("é".into())]);
    }

    #[test]
    fn says_what_is_wrong_and_where() {
        let unterminated = kinds("kind = 'x").unwrap_err().to_string();
        assert_eq!(
            unterminated,
            "filter: the text starting at byte 7 has no closing quote"
        );
        let stray = kinds("kind = 'x'; DROP").unwrap_err().to_string();
        assert_eq!(stray, "filter: unexpected character ';' at byte 10");
        assert!(kinds("a != 1").unwrap_err().to_string().contains("<>"));
        assert!(kinds("-").is_err());
        assert!(kinds("1e").is_err());
        assert!(
            kinds("é")
                .unwrap_err()
                .to_string()
                .contains("'é' at byte 0")
        );
    }
}
