//! Readers (Jepsen EDN, Porcupine kv, Jepsen logs, JSON Lines) and the JSON Lines writer.

use crate::edn;
use crate::history::{Event, EventKind, Format, History, HistoryError};
use crate::value::Value;
use std::io::{self, Read, Write};

/// Guesses the format from the content: Jepsen log lines contain `jepsen.util -`; a first
/// significant line starting with `{"` is JSON Lines; `{:`, `[` or `(` is EDN.
pub fn detect_format(text: &str) -> Result<Format, HistoryError> {
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with(';') {
            continue;
        }
        if trimmed.starts_with('[') || trimmed.starts_with('(') {
            return Ok(Format::JepsenEdn);
        }
        if let Some(rest) = trimmed.strip_prefix('{') {
            let rest = rest.trim_start();
            return Ok(if rest.starts_with('"') || rest.starts_with('}') {
                Format::JsonLines
            } else {
                Format::JepsenEdn
            });
        }
        if text.contains("jepsen.util -") {
            return Ok(Format::JepsenLog);
        }
        return Err(HistoryError::new(
            index + 1,
            "cannot tell the format: expected JSON Lines ({\"type\": ...}), Jepsen EDN ([{:type ...}]) or Jepsen log lines (INFO jepsen.util - ...)",
        ));
    }
    if text.contains("jepsen.util -") {
        return Ok(Format::JepsenLog);
    }
    Err(HistoryError::new(0, "empty history: no events"))
}

/// Reads a history in any supported format, detected from the content.
pub fn read_history(text: &str) -> Result<History, HistoryError> {
    match detect_format(text)? {
        Format::JepsenEdn => read_jepsen_edn(text),
        Format::JepsenLog => read_jepsen_log(text),
        Format::JsonLines | Format::Memory => read_json_lines(text),
    }
}

/// Reads a history from a reader (the whole input is read first).
pub fn read_history_from(mut reader: impl Read) -> Result<History, HistoryError> {
    let mut text = String::new();
    reader
        .read_to_string(&mut text)
        .map_err(|error| HistoryError::new(0, format!("cannot read input: {error}")))?;
    read_history(&text)
}

/// Reads a Jepsen/Knossos EDN history: a vector (or list) of event maps, or one event map per
/// line as in Porcupine's kv files. Events of non-integer processes (`:nemesis`) are skipped.
pub fn read_jepsen_edn(text: &str) -> Result<History, HistoryError> {
    let elements =
        edn::parse_elements(text).map_err(|error| HistoryError::new(error.line, error.message))?;
    let mut events = Vec::with_capacity(elements.len());
    for element in elements {
        if let Some(event) = edn_event(&element.value, element.line)? {
            events.push(event);
        }
    }
    History::from_events(&events, Format::JepsenEdn)
}

fn edn_event(value: &Value, line: usize) -> Result<Option<Event>, HistoryError> {
    let Value::Map(entries) = value else {
        return Err(HistoryError::new(
            line,
            format!("expected an event map {{:type ..., :process ..., :f ...}}, found {value}"),
        ));
    };
    let field = |name: &str| {
        entries
            .iter()
            .find(|(k, _)| k.as_str() == Some(name))
            .map(|(_, v)| v)
    };
    let process = match field("process") {
        Some(Value::Int(n)) if *n >= 0 => *n as u64,
        Some(Value::Int(n)) => {
            return Err(HistoryError::new(line, format!("negative :process {n}")))
        }
        Some(Value::Str(_)) => return Ok(None),
        Some(other) => {
            return Err(HistoryError::new(
                line,
                format!(":process must be an integer, found {other}"),
            ))
        }
        None => return Err(HistoryError::new(line, "event without :process")),
    };
    let kind = match field("type") {
        Some(Value::Str(name)) => EventKind::parse(name).ok_or_else(|| {
            HistoryError::new(
                line,
                format!(":type must be :invoke, :ok, :fail or :info, found :{name}"),
            )
        })?,
        Some(other) => {
            return Err(HistoryError::new(
                line,
                format!(":type must be a keyword, found {other}"),
            ))
        }
        None => return Err(HistoryError::new(line, "event without :type")),
    };
    let f = match field("f") {
        Some(Value::Str(name)) => name.clone(),
        Some(other) => {
            return Err(HistoryError::new(
                line,
                format!(":f must be a keyword, found {other}"),
            ))
        }
        None => return Err(HistoryError::new(line, "event without :f")),
    };
    Ok(Some(Event {
        kind,
        process,
        f,
        key: field("key").cloned(),
        value: field("value").cloned().unwrap_or_default(),
        time: field("time").and_then(Value::as_int),
        line,
    }))
}

/// Reads Jepsen log lines (`INFO jepsen.util - P<TAB>:invoke<TAB>:f<TAB>value`), as in
/// Porcupine's etcd test data. Other lines are noise and are skipped, as are nemesis lines.
///
/// Following Porcupine's reading of these logs: `:fail :cas` is a compare that failed (an `ok`
/// cas whose output is `false`), `:fail :read` is a read with an unknown result (`info`), and
/// `:info` operations stay open until the end of the history.
pub fn read_jepsen_log(text: &str) -> Result<History, HistoryError> {
    const MARKER: &str = "jepsen.util -";
    let mut events = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line_number = index + 1;
        let Some(at) = line.find(MARKER) else {
            continue;
        };
        let rest = line[at + MARKER.len()..].trim();
        let mut fields = rest.splitn(4, ['\t', ' ']).filter(|s| !s.is_empty());
        let (Some(process), Some(kind), Some(f)) = (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        let Ok(process) = process.parse::<u64>() else {
            // Nemesis and other non-client lines.
            continue;
        };
        let value_text = rest
            .splitn(4, '\t')
            .nth(3)
            .map(str::to_string)
            .or_else(|| {
                // Space-separated variant: everything after the third field.
                let mut words = rest.split_whitespace();
                words.next();
                words.next();
                words.next();
                let remainder: Vec<&str> = words.collect();
                (!remainder.is_empty()).then(|| remainder.join(" "))
            })
            .unwrap_or_else(|| "nil".to_string());
        let kind_name = kind.strip_prefix(':').unwrap_or(kind);
        let Some(mut kind) = EventKind::parse(kind_name) else {
            return Err(HistoryError::new(
                line_number,
                format!("unknown event type {kind} (expected :invoke, :ok, :fail or :info)"),
            ));
        };
        let f = f.strip_prefix(':').unwrap_or(f).to_string();
        let mut value = edn::parse_value(&value_text, line_number)
            .map_err(|error| HistoryError::new(error.line, error.message))?;
        if kind == EventKind::Fail && f == "cas" {
            kind = EventKind::Ok;
            value = Value::Bool(false);
        } else if kind == EventKind::Fail && f == "read" {
            kind = EventKind::Info;
        }
        events.push(Event {
            kind,
            process,
            f,
            key: None,
            value,
            time: None,
            line: line_number,
        });
    }
    if events.is_empty() {
        return Err(HistoryError::new(
            0,
            "no operation lines (INFO jepsen.util - P :invoke ...) found",
        ));
    }
    History::from_events(&events, Format::JepsenLog)
}

/// Reads valence JSON Lines: one event object per line (see docs/history-format.md).
pub fn read_json_lines(text: &str) -> Result<History, HistoryError> {
    let mut events = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line_number = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        let json: serde_json::Value = serde_json::from_str(line)
            .map_err(|error| HistoryError::new(line_number, format!("invalid JSON: {error}")))?;
        events.push(json_event(&json, line_number)?);
    }
    History::from_events(&events, Format::JsonLines)
}

fn json_event(json: &serde_json::Value, line: usize) -> Result<Event, HistoryError> {
    let Some(object) = json.as_object() else {
        return Err(HistoryError::new(line, "expected a JSON object"));
    };
    let kind = match object.get("type") {
        Some(serde_json::Value::String(name)) => EventKind::parse(name).ok_or_else(|| {
            HistoryError::new(
                line,
                format!("\"type\" must be invoke, ok, fail or info, found {name:?}"),
            )
        })?,
        Some(_) => return Err(HistoryError::new(line, "\"type\" must be a string")),
        None => return Err(HistoryError::new(line, "missing \"type\"")),
    };
    let process = match object.get("process") {
        Some(serde_json::Value::Number(n)) => n
            .as_u64()
            .ok_or_else(|| HistoryError::new(line, "\"process\" must be a non-negative integer"))?,
        Some(_) => {
            return Err(HistoryError::new(
                line,
                "\"process\" must be a non-negative integer",
            ))
        }
        None => return Err(HistoryError::new(line, "missing \"process\"")),
    };
    let f = match object.get("f") {
        Some(serde_json::Value::String(f)) => f.clone(),
        Some(_) => return Err(HistoryError::new(line, "\"f\" must be a string")),
        None => return Err(HistoryError::new(line, "missing \"f\"")),
    };
    let convert = |name: &str| -> Result<Option<Value>, HistoryError> {
        object
            .get(name)
            .map(|v| {
                Value::from_json(v)
                    .map_err(|message| HistoryError::new(line, format!("\"{name}\": {message}")))
            })
            .transpose()
    };
    let time = match object.get("time") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::Number(n)) => Some(
            n.as_i64()
                .ok_or_else(|| HistoryError::new(line, "\"time\" must be an integer"))?,
        ),
        Some(_) => return Err(HistoryError::new(line, "\"time\" must be an integer")),
    };
    Ok(Event {
        kind,
        process,
        f,
        key: convert("key")?,
        value: convert("value")?.unwrap_or_default(),
        time,
        line,
    })
}

/// Renders one event as a JSON Lines object (no trailing newline), fields in a fixed order.
pub fn event_to_json_line(event: &Event) -> String {
    let mut line = format!(
        "{{\"type\":\"{}\",\"process\":{},\"f\":{}",
        event.kind.name(),
        event.process,
        serde_json::Value::String(event.f.clone())
    );
    if let Some(key) = &event.key {
        line.push_str(&format!(",\"key\":{}", key.to_json()));
    }
    line.push_str(&format!(",\"value\":{}", event.value.to_json()));
    if let Some(time) = event.time {
        line.push_str(&format!(",\"time\":{time}"));
    }
    line.push('}');
    line
}

/// Writes a history as JSON Lines, one event per line.
pub fn write_json_lines(history: &History, mut out: impl Write) -> io::Result<()> {
    for event in history.events() {
        writeln!(out, "{}", event_to_json_line(&event))?;
    }
    Ok(())
}

/// Renders a history as JSON Lines text.
pub fn to_json_lines(history: &History) -> String {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = write_json_lines(history, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// Renders one event as a Jepsen EDN map: `{:type :invoke, :f :write, :value 3, :process 0}`.
pub fn event_to_edn(event: &Event) -> String {
    let mut line = format!("{{:type :{}, :f :{}", event.kind.name(), event.f);
    if let Some(key) = &event.key {
        line.push_str(&format!(", :key {key}"));
    }
    line.push_str(&format!(
        ", :value {}, :process {}",
        event.value, event.process
    ));
    if let Some(time) = event.time {
        line.push_str(&format!(", :time {time}"));
    }
    line.push('}');
    line
}

/// Writes a history as Jepsen EDN, one event map per line (as Porcupine's kv files are).
pub fn write_jepsen_edn(history: &History, mut out: impl Write) -> io::Result<()> {
    for event in history.events() {
        writeln!(out, "{}", event_to_edn(&event))?;
    }
    Ok(())
}

/// Renders a history as Jepsen EDN text.
pub fn to_jepsen_edn(history: &History) -> String {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = write_jepsen_edn(history, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::Outcome;

    #[test]
    fn edn_written_reads_back_as_the_same_operations() {
        let mut builder = crate::HistoryBuilder::new();
        builder.invoke(0, "write", None, Value::Int(3), Some(10));
        builder.invoke(1, "read", None, Value::Nil, Some(11));
        builder.ok(0, "write", Value::Int(3), Some(12));
        builder.ok(1, "read", Value::Int(3), Some(13));
        builder.invoke(
            2,
            "put",
            Some(Value::Str("k".into())),
            Value::Str("v".into()),
            None,
        );
        let history = builder.finish().unwrap();
        let text = to_jepsen_edn(&history);
        assert!(text.starts_with("{:type :invoke, :f :write, :value 3, :process 0, :time 10}"));
        let back = read_history(&text).unwrap();
        assert_eq!(back.format, Format::JepsenEdn);
        assert_eq!(back.operations.len(), history.operations.len());
        for (a, b) in back.operations.iter().zip(&history.operations) {
            assert_eq!((a.process, &a.f, a.outcome), (b.process, &b.f, b.outcome));
        }
    }

    #[test]
    fn detects_each_format() {
        assert_eq!(
            detect_format("{\"type\":\"invoke\"}").unwrap(),
            Format::JsonLines
        );
        assert_eq!(detect_format("{:type :invoke}").unwrap(), Format::JepsenEdn);
        assert_eq!(detect_format("; c\n[{:a 1}]").unwrap(), Format::JepsenEdn);
        assert_eq!(
            detect_format("noise\nINFO  jepsen.util - 0\t:invoke\t:read\tnil\n").unwrap(),
            Format::JepsenLog
        );
        assert!(detect_format("hello").is_err());
    }

    #[test]
    fn jepsen_log_maps_failed_cas_to_a_failed_compare() {
        let text = "INFO  jepsen.util - 1\t:invoke\t:cas\t[0 3]\nINFO  jepsen.util - 1\t:fail\t:cas\t[0 3]\n";
        let history = read_jepsen_log(text).unwrap();
        assert_eq!(history.operations[0].outcome, Outcome::Ok);
        assert_eq!(history.operations[0].output, Value::Bool(false));
    }

    #[test]
    fn json_lines_errors_name_the_line() {
        let text = "{\"type\":\"invoke\",\"process\":0,\"f\":\"read\"}\n{\"type\":\"ok\",\"process\":\"x\"}\n";
        let error = read_json_lines(text).unwrap_err();
        assert_eq!(error.line, 2);
    }

    #[test]
    fn completion_without_invocation_is_an_error() {
        let error = read_jepsen_edn("[{:process 0 :type :ok :f :read :value 1}]").unwrap_err();
        assert_eq!(error.line, 1);
        assert!(error.message.contains("without a pending invocation"));
    }
}
