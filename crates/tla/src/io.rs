//! The operators of TLC's modules that reach outside the spec: `IOUtils` (the environment,
//! running commands), `Json` (JSON text and files) and the value-level part of `TLCExt`. Their
//! results are TLC's: `ToJson` writes the compact JSON TLC writes, `JsonDeserialize` reads
//! objects as records and arrays as sequences, `IOExec` gives `[exitValue, stdout, stderr]`.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::ast::Span;
use crate::community::seq;
use crate::eval::{fail, EResult};
use crate::value::{shared, Sym, Value};

/// `IOEnv`: the process's environment variables, as a record.
pub(crate) fn environment() -> Value {
    let mut fields: Vec<(Sym, Value)> = std::env::vars_os()
        .map(|(name, value)| {
            (
                Sym::new(&name.to_string_lossy()),
                Value::string(&value.to_string_lossy()),
            )
        })
        .collect();
    fields.sort_by_key(|(name, _)| name.text());
    fields.dedup_by_key(|(name, _)| *name);
    if fields.is_empty() {
        return Value::Seq(shared(Vec::new()));
    }
    Value::record(fields)
}

/// `atoi(str)`: the integer `str` spells.
pub(crate) fn atoi(text: &Value, span: Span) -> EResult<Value> {
    let text = string(text, span, "atoi")?;
    match text.trim().parse::<i64>() {
        Ok(n) => Ok(Value::Int(n)),
        Err(_) => fail(span, format!("atoi: \"{text}\" is not an integer")),
    }
}

/// The text of a TLA+ string, or an error naming `what` expected one.
pub(crate) fn string(v: &Value, span: Span, what: &str) -> EResult<String> {
    match v {
        Value::Str(s) => Ok(s.text().to_string()),
        other => fail(
            span,
            format!("{what} expects a string, found {}", other.to_tlc()),
        ),
    }
}

/// A value as a command's argument or an environment variable's value: strings as their text,
/// other values as TLC prints them.
fn word(v: &Value) -> String {
    match v {
        Value::Str(s) => s.text().to_string(),
        other => other.to_tlc(),
    }
}

/// `IOExec`, `IOEnvExec`, `IOExecTemplate`, `IOEnvExecTemplate`: runs `command` (a sequence of
/// strings, the program then its arguments), with the variables of `env` (a record) added to
/// the environment; each element of a template is first
/// filled in with `parameters` (`%s`, `%d`, `%1$s`, `%%`, as Java's formatter reads them).
pub(crate) fn exec(
    env: Option<&Value>,
    command: &Value,
    parameters: Option<&Value>,
    span: Span,
    what: &str,
) -> EResult<Value> {
    let mut words: Vec<String> = seq(command, span, what)?.iter().map(word).collect();
    if let Some(parameters) = parameters {
        let parameters: Vec<String> = seq(parameters, span, what)?.iter().map(word).collect();
        let mut next = 0;
        for w in &mut words {
            *w = format_template(w, &parameters, &mut next, span, what)?;
        }
    }
    let Some((program, arguments)) = words.split_first() else {
        return fail(span, format!("{what}: the command is empty"));
    };
    let mut process = Command::new(program);
    process
        .args(arguments)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(env) = env {
        // A record of variables, as TLC takes it (the empty record is `<<>>`).
        match env {
            Value::Record(fields) => {
                for (name, value) in fields.iter() {
                    process.env(&*name.text(), word(value));
                }
            }
            Value::Seq(items) if items.is_empty() => {}
            other => {
                return fail(
                    span,
                    format!(
                        "{what} expects a record of environment variables, found {}",
                        other.to_tlc()
                    ),
                )
            }
        }
    }
    let output = match process.output() {
        Ok(output) => output,
        Err(error) => return fail(span, format!("{what}: cannot run `{program}`: {error}")),
    };
    Ok(outcome(
        i64::from(output.status.code().unwrap_or(-1)),
        &String::from_utf8_lossy(&output.stdout),
        &String::from_utf8_lossy(&output.stderr),
    ))
}

/// The record `[exitValue, stdout, stderr]` that IOUtils' operators return.
fn outcome(exit: i64, stdout: &str, stderr: &str) -> Value {
    Value::record(vec![
        (Sym::new("exitValue"), Value::Int(exit)),
        (Sym::new("stdout"), Value::string(stdout)),
        (Sym::new("stderr"), Value::string(stderr)),
    ])
}

/// Writes `text` to `path` with Java's `StandardOpenOption`s (`WRITE`, `CREATE`,
/// `CREATE_NEW`, `TRUNCATE_EXISTING`, `APPEND`), as IOUtils' `Serialize` does for the format
/// `TXT`: a failure is reported in the result, not raised.
pub(crate) fn write_text(path: &str, text: &str, options: &[String]) -> Value {
    const KNOWN: [&str; 5] = [
        "WRITE",
        "CREATE",
        "CREATE_NEW",
        "TRUNCATE_EXISTING",
        "APPEND",
    ];
    if let Some(unknown) = options.iter().find(|o| !KNOWN.contains(&o.as_str())) {
        // Java's `StandardOpenOption.valueOf` fails, and TLC's override reports it.
        return outcome(
            1,
            "",
            &format!("Serialize error writing to the file: unknown open option {unknown}"),
        );
    }
    let mut open = std::fs::OpenOptions::new();
    let has = |o: &str| options.iter().any(|x| x == o);
    open.write(true)
        .create(has("CREATE"))
        .create_new(has("CREATE_NEW"))
        .append(has("APPEND"))
        .truncate(has("TRUNCATE_EXISTING"));
    if options.is_empty() {
        // Java's default: CREATE, TRUNCATE_EXISTING, WRITE.
        open.create(true).truncate(true);
    }
    let written = open
        .open(path)
        .and_then(|mut file| file.write_all(text.as_bytes()));
    match written {
        Ok(()) => outcome(0, "Finish writing to the file with success!", ""),
        Err(error) => outcome(
            1,
            "",
            &format!("Serialize error writing to the file: {path}: {error}"),
        ),
    }
}

/// The format and the options of IOUtils' `Serialize` and `Deserialize`; only `TXT` (a string
/// written or read as it is) is supported.
fn text_options(options: &Value, span: Span, what: &str) -> EResult<Vec<String>> {
    let field = |name: &str| crate::eval::apply_function(options, &Value::string(name));
    match field("format") {
        Some(Value::Str(f)) if &*f.text() == "TXT" => {}
        Some(other) => {
            return fail(
                span,
                format!(
                    "unsupported: `{what}` with the format {} (only \"TXT\")",
                    other.to_tlc()
                ),
            )
        }
        None => {
            return fail(
                span,
                format!(
                    "{what} expects options with a `format`, found {}",
                    options.to_tlc()
                ),
            )
        }
    }
    match field("openOptions") {
        Some(list) => seq(&list, span, what)?
            .iter()
            .map(|o| string(o, span, what))
            .collect(),
        None => Ok(Vec::new()),
    }
}

/// The options of `Serialize`: as [`text_options`], but TLC's override requires
/// `openOptions` (without them it returns an error record, as here).
fn open_options(options: &Value, span: Span, what: &str) -> EResult<Result<Vec<String>, Value>> {
    let open = text_options(options, span, what)?;
    if crate::eval::apply_function(options, &Value::string("openOptions")).is_none() {
        return Ok(Err(outcome(
            1,
            "",
            "Serialize error invalid parameters: the options have no `openOptions`",
        )));
    }
    Ok(Ok(open))
}

/// `Serialize(text, path, [format |-> "TXT", charset |-> ..., openOptions |-> ...])`.
pub(crate) fn serialize_text(
    text: &Value,
    path: &Value,
    options: &Value,
    span: Span,
    what: &str,
) -> EResult<Value> {
    let open = match open_options(options, span, what)? {
        Ok(open) => open,
        Err(refused) => return Ok(refused),
    };
    let text = string(text, span, what)?;
    let path = string(path, span, what)?;
    Ok(write_text(&path, &text, &open))
}

/// `Deserialize(path, [format |-> "TXT", charset |-> ...])`: the file's text as `stdout`.
pub(crate) fn deserialize_text(
    path: &Value,
    options: &Value,
    span: Span,
    what: &str,
) -> EResult<Value> {
    text_options(options, span, what)?;
    let path = string(path, span, what)?;
    Ok(match std::fs::read_to_string(&path) {
        Ok(text) => outcome(0, &text, ""),
        Err(error) => outcome(
            1,
            "",
            &format!("Deserialize error reading from the file: {path}: {error}"),
        ),
    })
}

/// The widest `zeroPadN` pads to.
const PAD_MAX: i64 = 1 << 20;

/// `zeroPadN(n, width)`: `ToString(n)` after as many `0`s as it falls short of `width`.
pub(crate) fn zero_pad(n: i64, width: i64, span: Span) -> EResult<String> {
    if width > PAD_MAX {
        return fail(
            span,
            format!("zeroPadN: a width of {width} is more than {PAD_MAX} characters"),
        );
    }
    let digits = n.to_string();
    let pad = (width - digits.len() as i64).max(0) as usize;
    Ok(format!("{}{digits}", "0".repeat(pad)))
}

/// Fills in `template` as Java's `String.format` does for `%s`, `%d`, `%n$s` and `%%`;
/// `next` is the index of the next parameter taken in order.
fn format_template(
    template: &str,
    parameters: &[String],
    next: &mut usize,
    span: Span,
    what: &str,
) -> EResult<String> {
    let mut out = String::new();
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = String::new();
        while let Some(&d) = chars.peek() {
            chars.next();
            spec.push(d);
            if d.is_ascii_alphabetic() || d == '%' {
                break;
            }
        }
        let index = match spec.as_str() {
            "%" => {
                out.push('%');
                continue;
            }
            "s" | "d" => {
                *next += 1;
                *next - 1
            }
            _ => match spec
                .strip_suffix("$s")
                .or_else(|| spec.strip_suffix("$d"))
                .and_then(|n| n.parse::<usize>().ok())
            {
                Some(n) if n >= 1 => n - 1,
                _ => {
                    return fail(
                        span,
                        format!("{what}: unsupported format `%{spec}` in \"{template}\""),
                    )
                }
            },
        };
        match parameters.get(index) {
            Some(p) => out.push_str(p),
            None => {
                return fail(
                    span,
                    format!(
                        "{what}: \"{template}\" needs more parameters than the {} given",
                        parameters.len()
                    ),
                )
            }
        }
    }
    Ok(out)
}

/// `CSVWrite(template, values, file)` of module CSV: appends one line to `file`, `template`
/// filled in (as Java's formatter does) with the elements of the sequence `values` as TLC
/// prints them (a string with its quotes).
pub(crate) fn csv_write(
    template: &Value,
    values: &Value,
    file: &Value,
    span: Span,
) -> EResult<Value> {
    let what = "CSVWrite";
    let template = string(template, span, what)?;
    let path = string(file, span, what)?;
    let parameters: Vec<String> = seq(values, span, what)?.iter().map(Value::to_tlc).collect();
    let mut line = format_template(&template, &parameters, &mut 0, span, what)?;
    line.push('\n');
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut f| f.write_all(line.as_bytes()));
    match written {
        Ok(()) => Ok(Value::Bool(true)),
        Err(error) => fail(span, format!("{what}: cannot write {path}: {error}")),
    }
}

/// `CSVRecords(file)`: the number of lines of `file`, 0 when it does not exist.
pub(crate) fn csv_records(file: &Value, span: Span) -> EResult<Value> {
    let path = string(file, span, "CSVRecords")?;
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(Value::Int(text.lines().count() as i64)),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Value::Int(0)),
        Err(error) => fail(span, format!("CSVRecords: cannot read {path}: {error}")),
    }
}

/// `ToJson(v)`: `v` as compact JSON, as TLC writes it: sequences and sets as arrays, records
/// and other functions as objects (keys as strings), model values as their names.
pub(crate) fn to_json(v: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        Value::Bool(b) => J::Bool(*b),
        Value::Int(n) => J::from(*n),
        Value::Str(s) | Value::Model(s) => J::String(s.text().to_string()),
        Value::Seq(items) | Value::Set(items) => J::Array(items.iter().map(to_json).collect()),
        Value::Record(fields) => J::Object(
            fields
                .iter()
                .map(|(k, v)| (k.text().to_string(), to_json(v)))
                .collect(),
        ),
        Value::Func(_) => J::Object(
            crate::eval::function_pairs(v)
                .into_iter()
                .map(|(k, v)| (key_text(&k), to_json(&v)))
                .collect(),
        ),
        // A symbolic set that can be listed (`SUBSET S`) is listed, as TLC does.
        Value::Lazy(_) => match crate::eval::enumerate(v, Span::default()) {
            Ok(items) => J::Array(items.iter().map(to_json).collect()),
            Err(_) => J::String(v.to_tlc()),
        },
        Value::Op(_) => J::String(v.to_tlc()),
    }
}

/// `ToJsonObject(v)`: as [`to_json`], except that a sequence is an object keyed by position
/// from 0, as TLC writes it.
pub(crate) fn to_json_object(v: &Value) -> serde_json::Value {
    match v {
        Value::Seq(items) => serde_json::Value::Object(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| (i.to_string(), to_json(item)))
                .collect(),
        ),
        other => to_json(other),
    }
}

/// `ToJsonArray(v)`: a sequence or set as a JSON array; TLC refuses anything else.
pub(crate) fn to_json_array(v: &Value, span: Span) -> EResult<serde_json::Value> {
    match v {
        Value::Seq(_) | Value::Set(_) | Value::Lazy(_) => Ok(to_json(v)),
        other => fail(
            span,
            format!(
                "ToJsonArray: cannot convert {} to a JSON array",
                other.to_tlc()
            ),
        ),
    }
}

fn key_text(k: &Value) -> String {
    match k {
        Value::Str(s) | Value::Model(s) => s.text().to_string(),
        other => other.to_tlc(),
    }
}

/// A JSON value as a TLA+ value, as TLC reads it: objects as records, arrays as sequences.
pub(crate) fn from_json(j: &serde_json::Value, span: Span, what: &str) -> EResult<Value> {
    use serde_json::Value as J;
    Ok(match j {
        J::Bool(b) => Value::Bool(*b),
        // A fraction is truncated, as TLC (Gson's getAsInt) does.
        J::Number(n) => match n.as_i64().or_else(|| n.as_f64().map(|f| f.trunc() as i64)) {
            Some(n) => Value::Int(n),
            None => return fail(span, format!("{what}: unsupported JSON value {n}")),
        },
        J::String(s) => Value::string(s),
        J::Array(items) => Value::Seq(shared(
            items
                .iter()
                .map(|i| from_json(i, span, what))
                .collect::<EResult<Vec<_>>>()?,
        )),
        J::Object(fields) if fields.is_empty() => Value::Seq(shared(Vec::new())),
        J::Object(fields) => Value::record(
            fields
                .iter()
                .map(|(k, v)| Ok((Sym::new(k), from_json(v, span, what)?)))
                .collect::<EResult<Vec<_>>>()?,
        ),
        J::Null => return fail(span, format!("{what}: unsupported JSON value null")),
    })
}

/// `JsonSerialize(file, v)` (`v` as JSON: a sequence as one array) and
/// `ndJsonSerialize(file, s)` (the elements of sequence `s`, one per line): `TRUE` once
/// written.
pub(crate) fn serialize(
    file: &Value,
    s: &Value,
    lines: bool,
    span: Span,
    what: &str,
) -> EResult<Value> {
    let path = string(file, span, what)?;
    let text = if lines {
        let mut text = String::new();
        for item in seq(s, span, what)? {
            text.push_str(&to_json(item).to_string());
            text.push('\n');
        }
        text
    } else {
        to_json(s).to_string()
    };
    let written = std::fs::File::create(&path).and_then(|mut f| f.write_all(text.as_bytes()));
    match written {
        Ok(()) => Ok(Value::Bool(true)),
        Err(error) => fail(span, format!("{what}: cannot write {path}: {error}")),
    }
}

/// `JsonDeserialize(file)` (a JSON value) and `ndJsonDeserialize(file)` (one value per line,
/// read as a sequence).
pub(crate) fn deserialize(file: &Value, lines: bool, span: Span, what: &str) -> EResult<Value> {
    let path = string(file, span, what)?;
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) => return fail(span, format!("{what}: cannot read {path}: {error}")),
    };
    let parse = |text: &str, line: usize| -> EResult<Value> {
        match serde_json::from_str::<serde_json::Value>(text) {
            Ok(j) => from_json(&j, span, what),
            Err(error) => fail(
                span,
                format!(
                    "{what}: {path}:{}:{}: {error}",
                    line + error.line(),
                    error.column()
                ),
            ),
        }
    };
    if !lines {
        return parse(&text, 0);
    }
    let mut out = Vec::new();
    for (at, line) in text.lines().enumerate() {
        if !line.trim().is_empty() {
            out.push(parse(line, at)?);
        }
    }
    Ok(Value::Seq(shared(out)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span() -> Span {
        Span::default()
    }

    #[test]
    fn templates_fill_in_as_java_formats() {
        let params = vec!["a".to_string(), "b".to_string()];
        let mut next = 0;
        assert_eq!(
            format_template("x %s-%s %%", &params, &mut next, span(), "t").unwrap(),
            "x a-b %"
        );
        let mut next = 0;
        assert_eq!(
            format_template("%2$s%1$s", &params, &mut next, span(), "t").unwrap(),
            "ba"
        );
        let mut next = 0;
        assert!(format_template("%s %s %s", &params, &mut next, span(), "t").is_err());
        let mut next = 0;
        assert!(format_template("%q", &params, &mut next, span(), "t").is_err());
    }

    #[test]
    fn json_round_trips_sequences_records_and_scalars() {
        let v = Value::Seq(shared(vec![
            Value::Int(-3),
            Value::string("q\"uo\nte"),
            Value::record(vec![(Sym::new("a"), Value::Bool(true))]),
        ]));
        let text = to_json(&v).to_string();
        assert_eq!(text, r#"[-3,"q\"uo\nte",{"a":true}]"#);
        let back = from_json(&serde_json::from_str(&text).unwrap(), span(), "t").unwrap();
        assert_eq!(back, v);
        assert!(from_json(&serde_json::Value::Null, span(), "t").is_err());
        assert_eq!(
            from_json(&serde_json::json!(2.7), span(), "t").unwrap(),
            Value::Int(2)
        );
        let pair = Value::Seq(shared(vec![Value::string("a"), Value::string("b")]));
        assert_eq!(to_json_object(&pair).to_string(), r#"{"0":"a","1":"b"}"#);
        let record = Value::record(vec![(Sym::new("a"), Value::Int(1))]);
        assert!(to_json_array(&record, span()).is_err());
    }
}
