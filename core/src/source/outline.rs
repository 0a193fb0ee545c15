//! A positioned outline of a RON document, so diagnostics about meaning (an unknown step, a mood
//! out of range) can point at the exact line and column of the value at fault.
//!
//! It runs only on text `ron` already accepted, so it can be small and forgiving: it keeps
//! structure and positions, never values' types.

/// A 1-based line and column (in characters), as editors count them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    /// 1-based line.
    pub line: usize,
    /// 1-based column in characters.
    pub column: usize,
}

/// One step of a path into the document: a struct field or a list element.
#[derive(Clone, Copy, Debug)]
pub enum Key<'a> {
    /// A named field: `steps`, `on`, `goto`.
    Field(&'a str),
    /// An element of a list or an unnamed tuple (an enum variant's contents).
    Index(usize),
}

#[derive(Debug)]
enum Shape {
    Fields(Vec<(String, Node)>),
    Items(Vec<Node>),
    Leaf,
}

/// A value with its position.
#[derive(Debug)]
pub struct Node {
    position: Position,
    shape: Shape,
}

impl Node {
    /// Parses a document; `None` only if it is not RON at all.
    pub fn parse(text: &str) -> Option<Node> {
        let mut parser = Parser {
            chars: text.chars().collect(),
            index: 0,
            line: 1,
            column: 1,
        };
        parser.skip_trivia();
        parser.value()
    }

    /// The position of the value at `path`, or of the deepest ancestor that exists.
    pub fn locate(&self, path: &[Key<'_>]) -> Position {
        let mut node = self;
        for key in path {
            let next = match (key, &node.shape) {
                (Key::Field(name), Shape::Fields(fields)) => fields
                    .iter()
                    .find(|(field, _)| field == name)
                    .map(|(_, value)| value),
                (Key::Index(index), Shape::Items(items)) => items.get(*index),
                _ => None,
            };
            match next {
                Some(next) => node = next,
                None => break,
            }
        }
        node.position
    }
}

struct Parser {
    chars: Vec<char>,
    index: usize,
    line: usize,
    column: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.index).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.index + offset).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.index += 1;
        if c == '\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
        Some(c)
    }

    fn position(&self) -> Position {
        Position {
            line: self.line,
            column: self.column,
        }
    }

    /// Skips whitespace, commas, comments and `#![enable(...)]` attributes.
    fn skip_trivia(&mut self) {
        loop {
            match (self.peek(), self.peek_at(1)) {
                (Some(c), _) if c.is_whitespace() || c == ',' => {
                    self.bump();
                }
                (Some('/'), Some('/')) => {
                    while self.peek().is_some_and(|c| c != '\n') {
                        self.bump();
                    }
                }
                (Some('/'), Some('*')) => {
                    self.bump();
                    self.bump();
                    while self.peek().is_some()
                        && !(self.peek() == Some('*') && self.peek_at(1) == Some('/'))
                    {
                        self.bump();
                    }
                    self.bump();
                    self.bump();
                }
                (Some('#'), Some('!')) => {
                    while self.peek().is_some_and(|c| c != ']') {
                        self.bump();
                    }
                    self.bump();
                }
                _ => return,
            }
        }
    }

    fn value(&mut self) -> Option<Node> {
        let position = self.position();
        let shape = match self.peek()? {
            '"' => {
                self.string();
                Shape::Leaf
            }
            '\'' => {
                self.bump();
                while let Some(c) = self.bump() {
                    if c == '\\' {
                        self.bump();
                    } else if c == '\'' {
                        break;
                    }
                }
                Shape::Leaf
            }
            'r' if matches!(self.peek_at(1), Some('#' | '"')) => {
                self.raw_string();
                Shape::Leaf
            }
            '[' => {
                self.bump();
                Shape::Items(self.items(']'))
            }
            '{' => {
                self.bump();
                let mut entries = Vec::new();
                loop {
                    self.skip_trivia();
                    match self.peek() {
                        Some('}') | None => {
                            self.bump();
                            break;
                        }
                        _ => {}
                    }
                    let start = self.index;
                    self.value()?;
                    // A map is addressed by its keys as a struct by its fields: `intents` →
                    // `"предложить проверить линию"`.
                    let key: String = self.chars[start..self.index].iter().collect();
                    let key = key.trim();
                    let key = key
                        .strip_prefix('"')
                        .and_then(|key| key.strip_suffix('"'))
                        .unwrap_or(key)
                        .to_owned();
                    self.skip_separator();
                    let value = self.value()?;
                    entries.push((key, value));
                }
                Shape::Fields(entries)
            }
            '(' => {
                self.bump();
                self.parenthesised()
            }
            c if c.is_alphanumeric() || matches!(c, '_' | '-' | '+' | '.') => {
                while self
                    .peek()
                    .is_some_and(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '+' | '.'))
                {
                    self.bump();
                }
                self.skip_inline_space();
                if self.peek() == Some('(') {
                    self.bump();
                    self.parenthesised()
                } else {
                    Shape::Leaf
                }
            }
            _ => {
                self.bump();
                Shape::Leaf
            }
        };
        Some(Node { position, shape })
    }

    /// Skips the `:` between a key and its value, with the trivia around it.
    fn skip_separator(&mut self) {
        self.skip_trivia();
        if self.peek() == Some(':') {
            self.bump();
        }
        self.skip_trivia();
    }

    fn skip_inline_space(&mut self) {
        while self.peek().is_some_and(|c| c == ' ' || c == '\t') {
            self.bump();
        }
    }

    /// The inside of `( … )`: named fields if it starts with `name:`, else unnamed items.
    fn parenthesised(&mut self) -> Shape {
        self.skip_trivia();
        if self.starts_with_field() {
            let mut fields = Vec::new();
            loop {
                self.skip_trivia();
                match self.peek() {
                    Some(')') | None => {
                        self.bump();
                        break;
                    }
                    _ => {}
                }
                let mut name = String::new();
                while self.peek().is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    name.extend(self.bump());
                }
                self.skip_separator();
                match self.value() {
                    Some(value) => fields.push((name, value)),
                    None => break,
                }
            }
            Shape::Fields(fields)
        } else {
            Shape::Items(self.items(')'))
        }
    }

    fn starts_with_field(&self) -> bool {
        let mut offset = 0;
        while self
            .peek_at(offset)
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
        {
            offset += 1;
        }
        if offset == 0 {
            return false;
        }
        while self.peek_at(offset).is_some_and(char::is_whitespace) {
            offset += 1;
        }
        self.peek_at(offset) == Some(':')
    }

    fn items(&mut self, close: char) -> Vec<Node> {
        let mut items = Vec::new();
        loop {
            self.skip_trivia();
            match self.peek() {
                Some(c) if c == close => {
                    self.bump();
                    break;
                }
                None => break,
                _ => {}
            }
            match self.value() {
                Some(item) => items.push(item),
                None => break,
            }
        }
        items
    }

    fn string(&mut self) {
        self.bump();
        while let Some(c) = self.bump() {
            if c == '\\' {
                self.bump();
            } else if c == '"' {
                break;
            }
        }
    }

    fn raw_string(&mut self) {
        self.bump();
        let mut hashes = 0;
        while self.peek() == Some('#') {
            hashes += 1;
            self.bump();
        }
        self.bump();
        while let Some(c) = self.bump() {
            if c == '"' {
                let mut closing = 0;
                while closing < hashes && self.peek() == Some('#') {
                    closing += 1;
                    self.bump();
                }
                if closing == hashes {
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_nested_fields_and_items() {
        let text = "Scenario(\n  id: \"a\",\n  steps: [\n    Step(id: \"x\", on: [Transition(when: Mentions([\"да\"]), goto: \"y\")]),\n  ],\n)";
        let outline = Node::parse(text).expect("outline");
        let at = |path: &[Key]| {
            let p = outline.locate(path);
            (p.line, p.column)
        };
        assert_eq!(at(&[Key::Field("id")]), (2, 7));
        assert_eq!(
            at(&[Key::Field("steps"), Key::Index(0), Key::Field("id")]),
            (4, 14)
        );
        assert_eq!(
            at(&[
                Key::Field("steps"),
                Key::Index(0),
                Key::Field("on"),
                Key::Index(0),
                Key::Field("goto")
            ]),
            (4, 65)
        );
        assert_eq!(
            at(&[
                Key::Field("steps"),
                Key::Index(0),
                Key::Field("on"),
                Key::Index(0),
                Key::Field("when"),
                Key::Index(0),
                Key::Index(0)
            ]),
            (4, 51)
        );
        // A missing field points at its parent.
        assert_eq!(
            at(&[Key::Field("steps"), Key::Index(0), Key::Field("hint")]),
            (4, 5)
        );
    }
}
