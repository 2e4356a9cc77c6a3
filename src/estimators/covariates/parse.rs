//! Tokenizer and recursive-descent parser of R's formula syntax (precedence, lowest first:
//! `~`, binary `+ -`, `*`, `:`, unary `-`, `^`).

use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Expr {
    Name(String, usize),
    Dot,
    One,
    Plus(Box<Expr>, Box<Expr>),
    Minus(Box<Expr>, Box<Expr>),
    Neg(Box<Expr>),
    Colon(Box<Expr>, Box<Expr>),
    Star(Box<Expr>, Box<Expr>),
    Power(Box<Expr>, u32),
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    Name(String),
    Number(String),
    Op(char),
}

pub(super) fn syntax(text: &str, problem: impl Into<String>) -> Error {
    Error::ModelSyntax {
        spec: text.to_string(),
        problem: problem.into(),
    }
}

pub(super) fn tokenize(text: &str) -> Result<Vec<(Tok, usize)>> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let pos = i + 1;
        if c.is_whitespace() {
            i += 1;
        } else if c == '`' {
            let end = chars[i + 1..]
                .iter()
                .position(|&d| d == '`')
                .ok_or_else(|| {
                    syntax(
                        text,
                        format!("at position {pos}: unterminated `quoted name`"),
                    )
                })?;
            out.push((Tok::Name(chars[i + 1..i + 1 + end].iter().collect()), pos));
            i += end + 2;
        } else if c.is_alphabetic() || c == '.' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '.' || chars[i] == '_')
            {
                i += 1;
            }
            out.push((Tok::Name(chars[start..i].iter().collect()), pos));
        } else if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            out.push((Tok::Number(chars[start..i].iter().collect()), pos));
        } else if "+-*:^()~".contains(c) {
            out.push((Tok::Op(c), pos));
            i += 1;
        } else {
            let hint = match c {
                '/' | '%' => " (nesting operators are not supported)",
                '|' => " (random effects are not supported)",
                _ => "",
            };
            return Err(syntax(
                text,
                format!("at position {pos}: unexpected character '{c}'{hint}"),
            ));
        }
    }
    Ok(out)
}

pub(super) struct Parser<'a> {
    pub text: &'a str,
    pub toks: Vec<(Tok, usize)>,
    pub at: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at).map(|t| &t.0)
    }
    fn pos(&self) -> usize {
        self.toks
            .get(self.at)
            .map_or(self.text.chars().count() + 1, |t| t.1)
    }
    pub fn err(&self, what: &str) -> Error {
        let found = match self.peek() {
            None => "the end".to_string(),
            Some(Tok::Name(n)) => format!("'{n}'"),
            Some(Tok::Number(n)) => format!("'{n}'"),
            Some(Tok::Op(c)) => format!("'{c}'"),
        };
        syntax(
            self.text,
            format!("at position {}: expected {what}, found {found}", self.pos()),
        )
    }
    fn eat(&mut self, op: char) -> bool {
        if self.peek() == Some(&Tok::Op(op)) {
            self.at += 1;
            true
        } else {
            false
        }
    }
    // sum := unary-sum (('+'|'-') product)*
    pub fn sum(&mut self) -> Result<Expr> {
        let mut e = self.product()?;
        loop {
            if self.eat('+') {
                e = Expr::Plus(Box::new(e), Box::new(self.product()?));
            } else if self.eat('-') {
                let pos = self.pos();
                let r = self.product()?;
                if r == Expr::One {
                    return Err(syntax(
                        self.text,
                        format!("at position {pos}: the intercept cannot be removed"),
                    ));
                }
                e = Expr::Minus(Box::new(e), Box::new(r));
            } else {
                return Ok(e);
            }
        }
    }
    fn product(&mut self) -> Result<Expr> {
        let mut e = self.colon()?;
        while self.eat('*') {
            e = Expr::Star(Box::new(e), Box::new(self.colon()?));
        }
        Ok(e)
    }
    fn colon(&mut self) -> Result<Expr> {
        let mut e = self.unary()?;
        while self.eat(':') {
            e = Expr::Colon(Box::new(e), Box::new(self.unary()?));
        }
        Ok(e)
    }
    fn unary(&mut self) -> Result<Expr> {
        if self.eat('-') {
            let pos = self.pos();
            let e = self.unary()?;
            if e == Expr::One {
                return Err(syntax(
                    self.text,
                    format!("at position {pos}: the intercept cannot be removed"),
                ));
            }
            return Ok(Expr::Neg(Box::new(e)));
        }
        if self.eat('+') {
            return self.unary();
        }
        self.power()
    }
    fn power(&mut self) -> Result<Expr> {
        let e = self.primary()?;
        if self.eat('^') {
            let pos = self.pos();
            match self.peek().cloned() {
                Some(Tok::Number(n)) => {
                    self.at += 1;
                    match n.parse::<u32>() {
                        Ok(k) if k >= 1 => return Ok(Expr::Power(Box::new(e), k)),
                        _ => {
                            return Err(syntax(
                                self.text,
                                format!("at position {pos}: the power must be a whole number ≥ 1, found '{n}'"),
                            ))
                        }
                    }
                }
                _ => return Err(self.err("a whole number after '^'")),
            }
        }
        Ok(e)
    }
    fn primary(&mut self) -> Result<Expr> {
        let pos = self.pos();
        match self.peek().cloned() {
            Some(Tok::Name(n)) => {
                self.at += 1;
                if self.peek() == Some(&Tok::Op('(')) {
                    return Err(syntax(
                        self.text,
                        format!("at position {pos}: functions such as '{n}(…)' are not supported"),
                    ));
                }
                Ok(if n == "." {
                    Expr::Dot
                } else {
                    Expr::Name(n, pos)
                })
            }
            Some(Tok::Number(n)) => {
                self.at += 1;
                match n.as_str() {
                    "1" => Ok(Expr::One),
                    "0" => Err(syntax(
                        self.text,
                        format!("at position {pos}: the intercept cannot be removed"),
                    )),
                    _ => Err(syntax(
                        self.text,
                        format!("at position {pos}: a number ('{n}') is not a term"),
                    )),
                }
            }
            Some(Tok::Op('(')) => {
                self.at += 1;
                let e = self.sum()?;
                if !self.eat(')') {
                    return Err(self.err("')'"));
                }
                Ok(e)
            }
            _ => Err(self.err("a name, '.', '1' or '('")),
        }
    }
}
