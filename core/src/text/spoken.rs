//! A customer line as the synthesiser must read it: numbers, sums, times, dates, contract numbers
//! and abbreviations in words, Latin names in Cyrillic, and punctuation that only makes pauses.
//! Festival's Russian voice spells nothing itself: a digit or a Latin letter is silence or an
//! error to it, a quote mark may break its input.
//!
//! Numbers are read the way a person on the phone reads them: «15 000 рублей» — «пятнадцать
//! тысяч рублей»; «до 21:00» — «до двадцати одного ноль-ноль»; «договор 4417» — «сорок четыре
//! семнадцать» (a contract number is read in pairs); «12 ноября» — «двенадцатого ноября»;
//! «семь-семь-девять-один» — the digits with pauses. Nominative numerals and ordinals come from
//! `chislo`; the oblique cases after a preposition are our own table (chislo has only the
//! nominative).

use chislo::Gender;

/// The text with everything a synthesiser cannot read spelled out in Russian words.
pub fn speakable(text: &str) -> String {
    let tokens = tokenise(&prepare(text));
    let mut out: Vec<String> = Vec::new();
    let mut unit_said = false;
    for (index, token) in tokens.iter().enumerate() {
        let previous = tokens[..index].iter().rev().find_map(Token::word);
        let next = match tokens.get(index + 1) {
            Some(Token::Word(word)) => Some(word.as_str()),
            _ => None,
        };
        match token {
            // «руб.» after a number was said with it, in the form the number asks for.
            Token::Word(_) if std::mem::take(&mut unit_said) => {}
            Token::Word(word) => out.push(read_word(word)),
            Token::Punct(mark) => out.push(mark.to_string()),
            Token::Number(number) => {
                unit_said = matches!(number, Number::Integer(..))
                    && next.is_some_and(|word| UNITS.contains(&word.to_lowercase().as_str()));
                out.push(read_number(number, previous, next));
            }
        }
    }
    let mut spoken = String::new();
    for piece in out.iter().filter(|piece| !piece.is_empty()) {
        let is_punct = piece.len() == 1 && ",.!?;:".contains(piece.as_str());
        if !spoken.is_empty() && !is_punct {
            spoken.push(' ');
        }
        if is_punct && spoken.ends_with(|c: char| ",.!?;:".contains(c)) {
            // «Да... да.» — one pause, the stronger mark kept.
            if piece != "," {
                spoken.pop();
                spoken.push_str(piece);
            }
            continue;
        }
        if is_punct && spoken.is_empty() {
            continue;
        }
        spoken.push_str(piece);
    }
    spoken
}

/// Text compared as heard: lower case, ё as е, letters and single spaces only — how a line and
/// its recognition are compared (character error rate).
pub fn heard_form(text: &str) -> String {
    let spoken = speakable(text).to_lowercase().replace('ё', "е");
    let letters: String = spoken
        .chars()
        .map(|c| if c.is_alphabetic() { c } else { ' ' })
        .collect();
    letters.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Symbols that carry no sound, quotes and dashes made into pauses or dropped.
fn prepare(text: &str) -> String {
    let text = text
        .replace("...", "…")
        .replace('№', " номер ")
        .replace('&', " и ")
        .replace('₽', " руб. ");
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    for (index, &c) in chars.iter().enumerate() {
        let before = index.checked_sub(1).map(|i| chars[i]);
        let after = chars.get(index + 1).copied();
        match c {
            '«' | '»' | '“' | '”' | '„' | '"' | '\'' | '‘' | '’' | '`' | '(' | ')' | '[' | ']' =>
            {
                out.push(' ');
            }
            '—' | '–' | '―' => out.push_str(" , "),
            // A hyphen between letters or digits joins them; elsewhere it is a dash.
            '-' if before.is_some_and(char::is_alphanumeric)
                && after.is_some_and(char::is_alphanumeric) =>
            {
                out.push('-');
            }
            '-' => out.push_str(" , "),
            '…' => out.push_str(if chars[index + 1..].iter().all(|c| !c.is_alphanumeric()) {
                " . "
            } else {
                " , "
            }),
            '+' if after.is_some_and(|c| c.is_ascii_digit()) => out.push_str(" плюс "),
            '%' => out.push_str(" % "),
            c if c.is_alphanumeric() || c.is_whitespace() || ",.!?;:".contains(c) => out.push(c),
            _ => out.push(' '),
        }
    }
    out
}

#[derive(Debug, PartialEq)]
enum Token {
    Word(String),
    Punct(char),
    Number(Number),
}

impl Token {
    fn word(&self) -> Option<&str> {
        match self {
            Token::Word(word) => Some(word),
            _ => None,
        }
    }
}

#[derive(Debug, PartialEq)]
enum Number {
    /// An integer, thousands groups joined: «15 000».
    Integer(u64, String),
    /// Hours and minutes: «21:00».
    Time(u64, u64),
    /// Day, month and perhaps year: «12.11.2026».
    Date(u64, u64, Option<u64>),
    /// With a decimal comma: «2,5».
    Decimal(u64, String),
    /// Digit groups joined by hyphens: a phone or contract number «123-45-67».
    Groups(Vec<String>),
    /// An ordinal written with its ending: «3-й», «5-го».
    Ordinal(u64, String),
    /// A share: «50%».
    Percent(u64),
}

fn tokenise(text: &str) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut index = 0;
    let digits_at = |from: usize| {
        chars[from..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count()
    };
    while index < chars.len() {
        let c = chars[index];
        if c.is_ascii_digit() {
            let (number, used) = scan_number(&chars, index, &digits_at);
            tokens.push(Token::Number(number));
            index += used;
        } else if c.is_alphabetic() {
            let start = index;
            while index < chars.len()
                && (chars[index].is_alphabetic()
                    || (chars[index] == '-'
                        && chars.get(index + 1).is_some_and(|c| c.is_alphabetic())))
            {
                index += 1;
            }
            tokens.push(Token::Word(chars[start..index].iter().collect()));
        } else if c == '%' {
            if let Some(Token::Number(Number::Integer(value, _))) = tokens.last() {
                let value = *value;
                tokens.pop();
                tokens.push(Token::Number(Number::Percent(value)));
            } else {
                tokens.push(Token::Word("процентов".to_owned()));
            }
            index += 1;
        } else {
            if ",.!?;:".contains(c) {
                tokens.push(Token::Punct(c));
            }
            index += 1;
        }
    }
    tokens
}

/// One number starting at `start`, and how many characters it took.
fn scan_number(
    chars: &[char],
    start: usize,
    digits_at: &dyn Fn(usize) -> usize,
) -> (Number, usize) {
    let text = |from: usize, count: usize| chars[from..from + count].iter().collect::<String>();
    let value = |digits: &str| digits.parse::<u64>().unwrap_or(u64::MAX);
    let first = digits_at(start);
    let mut end = start + first;
    let lead = text(start, first);
    let at = |i: usize| chars.get(i).copied();
    // Time «21:00».
    if first <= 2 && at(end) == Some(':') && digits_at(end + 1) == 2 {
        let minutes = text(end + 1, 2);
        if value(&lead) < 24 && value(&minutes) < 60 {
            return (Number::Time(value(&lead), value(&minutes)), first + 3);
        }
    }
    // Date «12.11» or «12.11.2026» (a dot followed by a space ends a sentence instead).
    if first <= 2 && at(end) == Some('.') && digits_at(end + 1) == 2 {
        let month = value(&text(end + 1, 2));
        let day = value(&lead);
        if (1..=31).contains(&day) && (1..=12).contains(&month) {
            let mut used = first + 3;
            let mut year = None;
            if at(end + 3) == Some('.') && digits_at(end + 4) == 4 {
                year = Some(value(&text(end + 4, 4)));
                used += 5;
            }
            return (Number::Date(day, month, year), used);
        }
    }
    // Hyphenated groups «123-45-67».
    if at(end) == Some('-') && digits_at(end + 1) > 0 {
        let mut groups = vec![lead];
        while at(end) == Some('-') && digits_at(end + 1) > 0 {
            let count = digits_at(end + 1);
            groups.push(text(end + 1, count));
            end += 1 + count;
        }
        return (Number::Groups(groups), end - start);
    }
    // Ordinal «3-й», «5-го».
    if at(end) == Some('-') && at(end + 1).is_some_and(char::is_alphabetic) {
        let ending: String = chars[end + 1..]
            .iter()
            .take_while(|c| c.is_alphabetic())
            .collect();
        let used = first + 1 + ending.chars().count();
        return (Number::Ordinal(value(&lead), ending), used);
    }
    // Thousands groups «15 000», «1 250 000».
    let mut digits = lead;
    if first <= 3 {
        while matches!(at(end), Some(' ' | '\u{a0}' | '\u{202f}'))
            && digits_at(end + 1) == 3
            && !at(end + 4).is_some_and(|c| c.is_ascii_digit())
        {
            digits.push_str(&text(end + 1, 3));
            end += 4;
        }
    }
    // Decimal «2,5» (a comma then a space is a list instead).
    if at(end) == Some(',') && digits_at(end + 1) > 0 {
        let count = digits_at(end + 1);
        let fraction = text(end + 1, count);
        return (
            Number::Decimal(value(&digits), fraction),
            end + 1 + count - start,
        );
    }
    (Number::Integer(value(&digits), digits), end - start)
}

/// Abbreviated units a number says in agreement with itself: «21 руб.» — «двадцать один рубль».
const UNITS: &[&str] = &["руб", "тыс", "млн", "коп", "мин", "сек"];

/// Grammatical case a preposition asks of the number after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Case {
    Nominative,
    Genitive,
    Dative,
    Accusative,
    Prepositional,
}

fn case_after(preposition: Option<&str>) -> Case {
    match preposition.map(str::to_lowercase).as_deref() {
        Some(
            "до" | "от" | "из" | "около" | "после" | "без" | "для" | "кроме" | "более" | "менее"
            | "свыше" | "больше" | "меньше" | "у" | "с" | "со" | "вместо" | "порядка",
        ) => Case::Genitive,
        Some("к" | "ко" | "по") => Case::Dative,
        Some("о" | "об" | "при") => Case::Prepositional,
        Some("в" | "во" | "на" | "за" | "через" | "про") => Case::Accusative,
        _ => Case::Nominative,
    }
}

/// Words after which digits are an identifier read in pairs, not a quantity.
const IDENTIFIERS: &[&str] = &[
    "договор",
    "номер",
    "заявк",
    "заказ",
    "счет",
    "счёт",
    "карт",
    "телефон",
    "код",
    "абонент",
    "лицев",
    "квитанц",
    "тикет",
    "обращени",
];

const MONTHS: [&str; 12] = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
];

fn read_number(number: &Number, previous: Option<&str>, next: Option<&str>) -> String {
    let case = case_after(previous);
    let next_lower = next.map(str::to_lowercase);
    let next_lower = next_lower.as_deref();
    match number {
        Number::Integer(value, digits) => {
            let previous = previous.map(str::to_lowercase).unwrap_or_default();
            if digits.len() >= 3 && IDENTIFIERS.iter().any(|word| previous.starts_with(word)) {
                return in_pairs(digits);
            }
            if (digits.len() > 1 && digits.starts_with('0')) || digits.len() > 12 {
                return digit_by_digit(digits);
            }
            if let Some(month) = next_lower.filter(|word| MONTHS.contains(word))
                && (1..=31).contains(value)
            {
                let _ = month;
                let ordinal = ordinal_words(*value, Gender::Neuter);
                return decline_ordinal(
                    &ordinal,
                    if case == Case::Nominative {
                        Case::Genitive
                    } else {
                        case
                    },
                );
            }
            if next_lower.is_some_and(|word| word.starts_with("год") || word == "г")
                && (1000..=2100).contains(value)
            {
                let noun_case = match next_lower {
                    Some("году") => Case::Prepositional,
                    Some("года" | "г") => Case::Genitive,
                    _ => Case::Nominative,
                };
                return decline_ordinal(&ordinal_words(*value, Gender::Masculine), noun_case);
            }
            let noun = next_lower.unwrap_or_default();
            let words = cardinal(*value, gender_before(*value, noun), case);
            match noun {
                "руб" => format!("{words} {}", plural(*value, "рубль", "рубля", "рублей")),
                "тыс" => format!("{words} {}", plural(*value, "тысяча", "тысячи", "тысяч")),
                "млн" => format!(
                    "{words} {}",
                    plural(*value, "миллион", "миллиона", "миллионов")
                ),
                "коп" => format!("{words} {}", plural(*value, "копейка", "копейки", "копеек")),
                "мин" => format!("{words} {}", plural(*value, "минута", "минуты", "минут")),
                "сек" => format!("{words} {}", plural(*value, "секунда", "секунды", "секунд")),
                _ => words,
            }
        }
        Number::Time(hours, minutes) => {
            let hours_words = cardinal(*hours, Gender::Masculine, case);
            let minutes_words = match minutes {
                0 => "ноль-ноль".to_owned(),
                1..=9 => format!("ноль {}", cardinal(*minutes, Gender::Masculine, case)),
                _ => cardinal(*minutes, Gender::Masculine, case),
            };
            format!("{hours_words} {minutes_words}")
        }
        Number::Date(day, month, year) => {
            let day_case = if case == Case::Nominative {
                Case::Genitive
            } else {
                case
            };
            let mut words = format!(
                "{} {}",
                decline_ordinal(&ordinal_words(*day, Gender::Neuter), day_case),
                MONTHS[(*month as usize).clamp(1, 12) - 1]
            );
            if let Some(year) = year {
                words.push(' ');
                words.push_str(&decline_ordinal(
                    &ordinal_words(*year, Gender::Masculine),
                    Case::Genitive,
                ));
                words.push_str(" года");
            }
            words
        }
        Number::Decimal(whole, fraction) => {
            let places = fraction.len().min(3);
            let denominator = ["десятых", "сотых", "тысячных"][places - 1];
            let fraction_value = fraction[..places].parse::<u64>().unwrap_or(0);
            format!(
                "{} {} {} {denominator}",
                cardinal(*whole, Gender::Feminine, case),
                plural(*whole, "целая", "целых", "целых"),
                cardinal(fraction_value, Gender::Feminine, case)
            )
        }
        Number::Groups(groups) => groups
            .iter()
            .map(|group| in_pairs(group))
            .collect::<Vec<_>>()
            .join(", "),
        Number::Ordinal(value, ending) => {
            let gender = match ending.as_str() {
                "я" | "ая" | "ой" | "ую" => Gender::Feminine,
                "е" | "ое" => Gender::Neuter,
                _ => Gender::Masculine,
            };
            let words = ordinal_words(*value, gender);
            match ending.as_str() {
                "го" | "ого" | "его" => decline_ordinal(&words, Case::Genitive),
                "му" | "ому" | "ему" => decline_ordinal(&words, Case::Dative),
                "м" | "ом" | "ем" => decline_ordinal(&words, Case::Prepositional),
                "ю" | "ую" => words.replace("ая", "ую"),
                _ => words,
            }
        }
        Number::Percent(value) => format!(
            "{} {}",
            cardinal(*value, Gender::Masculine, case),
            plural(*value, "процент", "процента", "процентов")
        ),
    }
}

/// Which of three forms goes with `value`: 1 рубль, 2 рубля, 5 рублей.
fn plural<'a>(value: u64, one: &'a str, few: &'a str, many: &'a str) -> &'a str {
    match (value % 10, value % 100) {
        (_, 11..=14) => many,
        (1, _) => one,
        (2..=4, _) => few,
        _ => many,
    }
}

/// The gender a numeral ending in 1 or 2 takes from the noun after it: «одна минута», «две
/// недели», «два часа», «одно окно».
fn gender_before(value: u64, noun: &str) -> Gender {
    let last = noun.chars().last();
    match (value % 10, value % 100) {
        (_, 11..=19) => Gender::Masculine,
        (1, _) => match last {
            Some('а' | 'я' | 'у' | 'ю') => Gender::Feminine,
            Some('о' | 'е') => Gender::Neuter,
            _ => Gender::Masculine,
        },
        (2, _) if matches!(last, Some('ы' | 'и')) => Gender::Feminine,
        _ => Gender::Masculine,
    }
}

fn ordinal_words(value: u64, gender: Gender) -> String {
    chislo::ordinal(i64::try_from(value).unwrap_or(i64::MAX), gender)
}

/// A cardinal number in words, declined for `case`.
fn cardinal(value: u64, gender: Gender, case: Case) -> String {
    let nominative = chislo::int_to_words_gender(i64::try_from(value).unwrap_or(i64::MAX), gender);
    match case {
        Case::Nominative => nominative,
        Case::Accusative => nominative
            .split(' ')
            .map(|word| match word {
                "одна" => "одну",
                other => other,
            })
            .collect::<Vec<_>>()
            .join(" "),
        _ => nominative
            .split(' ')
            .map(|word| decline_cardinal_word(word, case))
            .collect::<Vec<_>>()
            .join(" "),
    }
}

/// One word of a cardinal numeral in the genitive, dative or prepositional.
fn decline_cardinal_word(word: &str, case: Case) -> String {
    let pick = |genitive: &str, dative: &str, prepositional: &str| {
        match case {
            Case::Genitive => genitive,
            Case::Dative => dative,
            _ => prepositional,
        }
        .to_owned()
    };
    match word {
        "ноль" => pick("ноля", "нолю", "ноле"),
        "один" | "одно" => pick("одного", "одному", "одном"),
        "одна" => pick("одной", "одной", "одной"),
        "два" | "две" => pick("двух", "двум", "двух"),
        "три" => pick("трёх", "трём", "трёх"),
        "четыре" => pick("четырёх", "четырём", "четырёх"),
        "восемь" => pick("восьми", "восьми", "восьми"),
        "сорок" => pick("сорока", "сорока", "сорока"),
        "девяносто" => pick("девяноста", "девяноста", "девяноста"),
        "сто" => pick("ста", "ста", "ста"),
        "двести" => pick("двухсот", "двумстам", "двухстах"),
        "триста" => pick("трёхсот", "трёмстам", "трёхстах"),
        "четыреста" => pick("четырёхсот", "четырёмстам", "четырёхстах"),
        "тысяча" => pick("тысячи", "тысяче", "тысяче"),
        "тысячи" | "тысяч" => pick("тысяч", "тысячам", "тысячах"),
        "миллион" => pick("миллиона", "миллиону", "миллионе"),
        "миллиона" | "миллионов" => pick("миллионов", "миллионам", "миллионах"),
        // пятьдесят … восемьдесят: пятидесяти; пятьсот … девятьсот: пятисот, пятистам.
        tens if tens.ends_with("десят") => {
            let unit = tens.trim_end_matches("десят");
            let unit = decline_cardinal_word(unit, Case::Genitive);
            format!("{unit}десяти")
        }
        hundreds if hundreds.ends_with("сот") => {
            let unit = decline_cardinal_word(hundreds.trim_end_matches("сот"), Case::Genitive);
            match case {
                Case::Genitive => format!("{unit}сот"),
                Case::Dative => format!("{unit}стам"),
                _ => format!("{unit}стах"),
            }
        }
        // пять … двадцать, тридцать: пяти.
        soft if soft.ends_with('ь') => format!("{}и", soft.trim_end_matches('ь')),
        other => other.to_owned(),
    }
}

/// An ordinal in words (nominative from chislo) declined in its last word: «двадцать
/// четвёртом», «третьего».
fn decline_ordinal(words: &str, case: Case) -> String {
    let Some((head, last)) = words.rsplit_once(' ').or(Some(("", words))) else {
        return words.to_owned();
    };
    let (stem, soft) = if let Some(stem) = last.strip_suffix("ий") {
        (stem, true)
    } else if let Some(stem) = last
        .strip_suffix("ый")
        .or_else(|| last.strip_suffix("ой"))
        .or_else(|| last.strip_suffix("ое"))
        .or_else(|| last.strip_suffix("ее"))
    {
        (stem, last.ends_with("ее"))
    } else {
        return words.to_owned();
    };
    let (stem, soft) = match stem.strip_suffix("трет") {
        Some(head) => (format!("{head}треть"), true),
        None => (stem.to_owned(), soft),
    };
    let ending = match (case, soft) {
        (Case::Genitive, false) => "ого",
        (Case::Genitive, true) => "его",
        (Case::Dative, false) => "ому",
        (Case::Dative, true) => "ему",
        (Case::Prepositional, false) => "ом",
        (Case::Prepositional, true) => "ем",
        _ => return words.to_owned(),
    };
    let last = format!("{stem}{ending}");
    if head.is_empty() {
        last
    } else {
        format!("{head} {last}")
    }
}

/// An identifier read in pairs, as people read contract numbers: «4417» — «сорок четыре
/// семнадцать», «12345» — «сто двадцать три сорок пять»; a pair starting with 0 is «ноль семь».
fn in_pairs(digits: &str) -> String {
    let chars: Vec<char> = digits.chars().collect();
    let lead = if chars.len() % 2 == 1 && chars.len() > 1 {
        3
    } else {
        2.min(chars.len())
    };
    let mut groups: Vec<String> = vec![chars[..lead].iter().collect()];
    groups.extend(chars[lead..].chunks(2).map(|pair| pair.iter().collect()));
    groups
        .iter()
        .map(|group| {
            if group.len() > 1 && group.starts_with('0') {
                digit_by_digit(group)
            } else {
                cardinal(
                    group.parse().unwrap_or(0),
                    Gender::Masculine,
                    Case::Nominative,
                )
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn digit_by_digit(digits: &str) -> String {
    digits
        .chars()
        .filter_map(|c| c.to_digit(10))
        .map(|digit| cardinal(u64::from(digit), Gender::Masculine, Case::Nominative))
        .collect::<Vec<_>>()
        .join(" ")
}

const NUMERAL_WORDS: &[&str] = &[
    "ноль",
    "один",
    "одна",
    "два",
    "две",
    "три",
    "четыре",
    "пять",
    "шесть",
    "семь",
    "восемь",
    "девять",
    "десять",
];

/// Names of Latin brands and terms a Russian speaker says a set way.
const LATIN_NAMES: &[(&str, &str)] = &[
    ("wi-fi", "вай-фай"),
    ("wifi", "вай-фай"),
    ("teamviewer", "тимвьюер"),
    ("tecsar", "тексар"),
    ("hdmi", "эйч-ди-эм-ай"),
    ("usb", "ю-эс-би"),
    ("source", "сорс"),
    ("smart", "смарт"),
    ("email", "имейл"),
    ("e-mail", "имейл"),
    ("ok", "окей"),
    ("online", "онлайн"),
    ("router", "роутер"),
    ("windows", "виндоус"),
    ("android", "андроид"),
    ("iphone", "айфон"),
    ("google", "гугл"),
    ("youtube", "ютуб"),
    ("whatsapp", "вотсап"),
    ("telegram", "телеграм"),
];

/// English letter names as said in Russian: «SLA» — «эс-эл-эй».
const LATIN_LETTERS: [&str; 26] = [
    "эй",
    "би",
    "си",
    "ди",
    "и",
    "эф",
    "джи",
    "эйч",
    "ай",
    "джей",
    "кей",
    "эл",
    "эм",
    "эн",
    "оу",
    "пи",
    "кью",
    "ар",
    "эс",
    "ти",
    "ю",
    "ви",
    "дабл-ю",
    "экс",
    "уай",
    "зед",
];

/// Russian letter names for abbreviations: «СМС» — «эсэмэс», «МФЦ» — «эмэфцэ».
fn cyrillic_letter_name(letter: char) -> &'static str {
    match letter {
        'Б' => "бэ",
        'В' => "вэ",
        'Г' => "гэ",
        'Д' => "дэ",
        'Ж' => "жэ",
        'З' => "зэ",
        'К' => "ка",
        'Л' => "эл",
        'М' => "эм",
        'Н' => "эн",
        'П' => "пэ",
        'Р' => "эр",
        'С' => "эс",
        'Т' => "тэ",
        'Ф' => "эф",
        'Х' => "ха",
        'Ц' => "цэ",
        'Ч' => "че",
        'Ш' => "ша",
        'Щ' => "ща",
        'А' => "а",
        'Е' => "е",
        'И' => "и",
        'О' => "о",
        'У' => "у",
        'Э' => "э",
        'Ю' => "ю",
        'Я' => "я",
        _ => "",
    }
}

fn read_word(word: &str) -> String {
    // Letters of other alphabets have no sound in a Russian voice.
    let word: String = word
        .chars()
        .filter(|c| *c == '-' || c.is_ascii_alphabetic() || is_cyrillic(*c))
        .collect();
    let word = word.trim_matches('-');
    let lower = word.to_lowercase();
    // «семь-семь-девять-один»: digits said one by one, with pauses.
    if word.contains('-') && lower.split('-').all(|part| NUMERAL_WORDS.contains(&part)) {
        return lower.split('-').collect::<Vec<_>>().join(", ");
    }
    match lower.as_str() {
        "руб" => return "рублей".to_owned(),
        "тыс" => return "тысяч".to_owned(),
        "млн" => return "миллионов".to_owned(),
        "коп" => return "копеек".to_owned(),
        _ => {}
    }
    if let Some((_, name)) = LATIN_NAMES.iter().find(|(latin, _)| *latin == lower) {
        return (*name).to_owned();
    }
    if word.chars().any(|c| c.is_ascii_alphabetic()) {
        return word
            .split('-')
            .map(read_latin)
            .collect::<Vec<_>>()
            .join("-");
    }
    let letters = word.chars().count();
    let is_vowel = |c: char| "АЕЁИОУЫЭЮЯ".contains(c);
    if (2..=5).contains(&letters)
        && word.chars().all(|c| c.is_uppercase())
        && !word.chars().any(is_vowel)
    {
        return word.chars().map(cyrillic_letter_name).collect();
    }
    word.to_owned()
}

fn is_cyrillic(c: char) -> bool {
    matches!(c, '\u{400}'..='\u{4ff}')
}

/// A Latin word in Cyrillic: an abbreviation letter by letter, a word by its sounds.
fn read_latin(word: &str) -> String {
    let lower = word.to_lowercase();
    if let Some((_, name)) = LATIN_NAMES.iter().find(|(latin, _)| *latin == lower) {
        return (*name).to_owned();
    }
    let vowels = lower.chars().filter(|c| "aeiouy".contains(*c)).count();
    let is_abbreviation =
        (word.chars().count() <= 4 && word.chars().all(|c| c.is_ascii_uppercase())) || vowels == 0;
    if is_abbreviation {
        return word
            .chars()
            .filter(char::is_ascii_alphabetic)
            .map(|c| LATIN_LETTERS[(c.to_ascii_lowercase() as u8 - b'a') as usize])
            .collect::<Vec<_>>()
            .join("-");
    }
    transliterate(&lower)
}

fn transliterate(lower: &str) -> String {
    const DIGRAPHS: &[(&str, &str)] = &[
        ("sch", "ш"),
        ("sh", "ш"),
        ("ch", "ч"),
        ("th", "т"),
        ("ph", "ф"),
        ("ck", "к"),
        ("ee", "и"),
        ("oo", "у"),
        ("ea", "и"),
        ("qu", "кв"),
        ("ts", "ц"),
        ("zh", "ж"),
        ("kh", "х"),
        ("ya", "я"),
        ("yu", "ю"),
    ];
    let mut out = String::new();
    let mut rest = lower;
    'outer: while !rest.is_empty() {
        for (latin, cyrillic) in DIGRAPHS {
            if let Some(after) = rest.strip_prefix(latin) {
                out.push_str(cyrillic);
                rest = after;
                continue 'outer;
            }
        }
        let mut chars = rest.chars();
        let c = chars.next().unwrap_or(' ');
        rest = chars.as_str();
        out.push_str(match c {
            'a' => "а",
            'b' => "б",
            'c' => "к",
            'd' => "д",
            'e' => "е",
            'f' => "ф",
            'g' => "г",
            'h' => "х",
            'i' => "и",
            'j' => "дж",
            'k' => "к",
            'l' => "л",
            'm' => "м",
            'n' => "н",
            'o' => "о",
            'p' => "п",
            'q' => "к",
            'r' => "р",
            's' => "с",
            't' => "т",
            'u' => "у",
            'v' => "в",
            'w' => "в",
            'x' => "кс",
            'y' => "й",
            'z' => "з",
            _ => "",
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_are_said_in_words() {
        assert_eq!(
            speakable("Мне пришла СМС о переводе 15 000 рублей!"),
            "Мне пришла эсэмэс о переводе пятнадцать тысяч рублей!"
        );
        assert_eq!(
            speakable("Списали 2 500 ₽."),
            "Списали две тысячи пятьсот рублей."
        );
        assert_eq!(
            speakable("Это стоит 21 руб."),
            "Это стоит двадцать один рубль."
        );
    }

    #[test]
    fn a_preposition_declines_the_number() {
        assert_eq!(
            speakable("Обещали до 21:00, а сейчас уже 21:40."),
            "Обещали до двадцати одного ноль-ноль, а сейчас уже двадцать один сорок."
        );
        assert_eq!(
            speakable("Жду с 5 минут до 250 секунд"),
            "Жду с пяти минут до двухсот пятидесяти секунд"
        );
        assert_eq!(speakable("к 18:30"), "к восемнадцати тридцати");
        assert_eq!(speakable("о 3 заявках"), "о трёх заявках");
    }

    #[test]
    fn a_numeral_agrees_with_its_noun() {
        assert_eq!(speakable("1 минута"), "одна минута");
        assert_eq!(speakable("2 недели и 2 дня"), "две недели и два дня");
        assert_eq!(speakable("Мне 33 года."), "Мне тридцать три года.");
        assert_eq!(speakable("на 1 минуту"), "на одну минуту");
    }

    #[test]
    fn contract_numbers_are_read_in_pairs_and_spelled_digits_with_pauses() {
        assert_eq!(
            speakable("Договор 4417."),
            "Договор сорок четыре семнадцать."
        );
        assert_eq!(
            speakable("номер заявки 12345"),
            "номер заявки сто двадцать три сорок пять"
        );
        assert_eq!(speakable("№ 0712"), "номер ноль семь двенадцать");
        assert_eq!(
            speakable("Вот: семь-семь-девять-один."),
            "Вот: семь, семь, девять, один."
        );
        assert_eq!(
            speakable("звоните 8-800-555-35-35"),
            "звоните восемь, восемьсот, пятьсот пятьдесят пять, тридцать пять, тридцать пять"
        );
    }

    #[test]
    fn dates_and_years_are_ordinals() {
        assert_eq!(speakable("с 12 ноября"), "с двенадцатого ноября");
        assert_eq!(
            speakable("12.11.2026"),
            "двенадцатого ноября две тысячи двадцать шестого года"
        );
        assert_eq!(
            speakable("в 2024 году"),
            "в две тысячи двадцать четвёртом году"
        );
        assert_eq!(speakable("на 3-й день"), "на третий день");
        assert_eq!(speakable("до 3-го числа"), "до третьего числа");
    }

    #[test]
    fn latin_names_and_abbreviations_are_spoken_in_russian() {
        assert_eq!(
            speakable("Wi-Fi не работает, SLA нарушен, ставьте TeamViewer."),
            "вай-фай не работает, эс-эл-эй нарушен, ставьте тимвьюер."
        );
        assert_eq!(speakable("камеры Tecsar"), "камеры тексар");
        assert_eq!(speakable("МФЦ"), "эмэфцэ");
        // Shouting is not an abbreviation.
        assert_eq!(speakable("ВЫ МЕНЯ СЛЫШИТЕ?"), "ВЫ МЕНЯ СЛЫШИТЕ?");
    }

    #[test]
    fn quotes_dashes_and_ellipses_become_pauses() {
        assert_eq!(
            speakable("Мне сказали «перезагрузите» — и всё..."),
            "Мне сказали перезагрузите , и всё.".replace(" ,", ",")
        );
        assert_eq!(
            speakable("...А потом, значит, внук приехал... И вот."),
            "А потом, значит, внук приехал, И вот."
        );
        assert_eq!(
            speakable("50% — это много"),
            "пятьдесят процентов, это много"
        );
    }

    #[test]
    fn whatever_the_input_the_output_has_no_digits_latin_or_quotes() {
        for text in [
            "1 2 3 4 5 6 7 8 9 0 00 000 0000 99999999999999999999999",
            "«\"'`()[]{}<>@#$^*_=|\\/~»",
            "12:99 31.13 1.2.3 -5 5- 5-5- x-1 1,5 1,0001 +7 (900) 123-45-67",
            "abc XYZ Ωμέγα 漢字 ……— – ―",
        ] {
            let spoken = speakable(text);
            assert!(
                !spoken
                    .chars()
                    .any(|c| c.is_ascii_alphanumeric() || "\"\\«»()".contains(c)),
                "{text:?} → {spoken:?}"
            );
        }
    }

    #[test]
    fn heard_form_compares_words_not_spelling() {
        assert_eq!(
            heard_form("Договор 4417!"),
            heard_form("договор сорок четыре семнадцать")
        );
        assert_eq!(heard_form("Ёлка — это «ёлка»."), "елка это елка");
    }
}
