//! A self-contained HTML page drawing a history and a verdict, in the spirit of Porcupine's
//! visualiser: one row per process, one bar per operation from its call to its return, the
//! linearized prefix numbered in order, the operations that cannot be placed in red, and a
//! vertical line at the failing point.

use crate::check::{Report, Verdict, Witness};
use crate::history::{History, Outcome};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Renders the page. For a keyed violation only that key's operations are drawn.
pub fn render_html(history: &History, report: &Report, title: &str) -> String {
    let (key, prefix, stuck, state, description): (_, Vec<usize>, Vec<usize>, String, String) =
        match &report.witness {
            Some(Witness::Order(w)) => (
                w.key.clone(),
                w.prefix.clone(),
                w.stuck.clone(),
                w.state.clone(),
                format!(
                    "The longest legal order places {} operations (shown numbered); the operations in red cannot be placed next. State after the prefix: {}.",
                    w.prefix.len(),
                    w.state
                ),
            ),
            Some(Witness::Causal(w)) => (
                None,
                Vec::new(),
                w.cycle.iter().map(|s| s.operation).collect(),
                String::new(),
                format!("{} {}: {}", w.criterion, w.pattern, w.description),
            ),
            Some(Witness::Eventual(w)) => (
                w.key.clone(),
                Vec::new(),
                w.reads.iter().chain(&w.missing).copied().collect(),
                String::new(),
                w.description.clone(),
            ),
            None => {
                let order = report
                    .partitions
                    .iter()
                    .filter_map(|p| p.order.clone())
                    .next()
                    .unwrap_or_default();
                let key = report.partitions.first().and_then(|p| p.key.clone());
                (key, order, Vec::new(), String::new(), String::new())
            }
        };
    let _ = state;
    let selected: Vec<usize> = history
        .operations
        .iter()
        .enumerate()
        .filter(|(_, op)| key.is_none() || op.key == key)
        .map(|(i, _)| i)
        .collect();
    let position: HashMap<usize, usize> = prefix
        .iter()
        .enumerate()
        .map(|(p, &i)| (i, p + 1))
        .collect();
    let stuck_set: HashSet<usize> = stuck.iter().copied().collect();
    let mut rows: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
    for &i in &selected {
        rows.entry(history.operations[i].process)
            .or_default()
            .push(i);
    }
    // Compress event positions to the selected operations' events.
    let mut points: Vec<usize> = Vec::new();
    for &i in &selected {
        let op = &history.operations[i];
        points.push(op.call);
        if let Some(ret) = op.ret {
            points.push(ret);
        }
    }
    points.sort_unstable();
    points.dedup();
    // Spread the events over about 1000 pixels, but never closer than 14 apart.
    let step = (1000 / points.len().max(1)).clamp(14, 90);
    let x_of = |p: usize| -> usize {
        let rank = points.partition_point(|&q| q < p);
        120 + rank * step
    };
    let end_x = 120 + (points.len() + 2) * step;
    let row_height = 34;
    let height = 40 + rows.len() * row_height + 20;
    let fail_point = stuck
        .iter()
        .filter_map(|&i| history.operations.get(i).and_then(|op| op.ret))
        .min();
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{height}\" font-family=\"monospace\" font-size=\"11\">",
        end_x + 40
    );
    for (row, (process, ops)) in rows.iter().enumerate() {
        let y = 40 + row * row_height;
        let _ = write!(
            svg,
            "<text x=\"4\" y=\"{}\">process {process}</text><line x1=\"110\" x2=\"{end_x}\" y1=\"{}\" y2=\"{}\" stroke=\"#eee\"/>",
            y + 16,
            y + 12,
            y + 12
        );
        for &i in ops {
            let op = &history.operations[i];
            let x1 = x_of(op.call);
            let open = op.outcome == Outcome::Info || op.ret.is_none();
            let x2 = if open {
                end_x
            } else {
                x_of(op.ret.unwrap_or(op.call))
            };
            let fill = if stuck_set.contains(&i) {
                "#f28b82"
            } else if position.contains_key(&i) {
                "#a8dab5"
            } else if op.outcome == Outcome::Fail {
                "#f1f3f4"
            } else {
                "#dadce0"
            };
            let dash = if open {
                " stroke-dasharray=\"4 2\""
            } else {
                ""
            };
            let width = (x2.saturating_sub(x1)).max(6);
            let full = match position.get(&i) {
                Some(p) => format!("{p}. {}", op.f),
                None => op.f.clone(),
            };
            // About 7 pixels a character: a label that does not fit shrinks to the operation's
            // place in the order, or to nothing (the tooltip always has the whole operation).
            let label = if full.len() * 7 + 6 <= width {
                full
            } else {
                match position.get(&i) {
                    Some(p) if p.to_string().len() * 7 + 6 <= width => p.to_string(),
                    _ => String::new(),
                }
            };
            let _ = write!(
                svg,
                "<g><title>{}</title><rect x=\"{x1}\" y=\"{y}\" width=\"{}\" height=\"24\" rx=\"3\" fill=\"{fill}\" stroke=\"#5f6368\"{dash}/><text x=\"{}\" y=\"{}\">{}</text></g>",
                escape(&format!("#{i} {op}")),
                width,
                x1 + 3,
                y + 16,
                escape(&label)
            );
        }
    }
    if let Some(point) = fail_point {
        let x = x_of(point) + 4;
        let _ = write!(
            svg,
            "<line x1=\"{x}\" x2=\"{x}\" y1=\"24\" y2=\"{}\" stroke=\"#d93025\" stroke-width=\"2\"/><text x=\"{}\" y=\"18\" fill=\"#d93025\">failing point</text>",
            height - 10,
            x + 4
        );
    }
    svg.push_str("</svg>");
    let verdict = match report.verdict {
        Verdict::Holds => "holds",
        Verdict::Violated => "violated",
        Verdict::Unknown => "unknown",
    };
    let mut list = String::new();
    if !prefix.is_empty() {
        list.push_str("<h2>Order found</h2><ol>");
        for &i in &prefix {
            let _ = write!(
                list,
                "<li>#{i} {}</li>",
                escape(&history.operations[i].to_string())
            );
        }
        list.push_str("</ol>");
    }
    if !stuck.is_empty() {
        list.push_str("<h2>Operations that cannot be placed</h2><ul>");
        for &i in &stuck {
            if let Some(op) = history.operations.get(i) {
                let _ = write!(list, "<li>#{i} {}</li>", escape(&op.to_string()));
            }
        }
        list.push_str("</ul>");
    }
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{title}</title><style>body{{font-family:sans-serif;margin:16px}} .scroll{{overflow-x:auto;border:1px solid #ddd}} .v{{font-weight:bold}}</style></head><body><h1>{title}</h1><p>{consistency} w.r.t. {model}{key}: <span class=\"v\">{verdict}</span></p><p>{description}</p><div class=\"scroll\">{svg}</div>{list}</body></html>\n",
        title = escape(title),
        consistency = report.consistency.name(),
        model = escape(&report.model),
        key = key.map(|k| format!(", key {}", escape(&k.to_string()))).unwrap_or_default(),
        description = escape(&description),
    )
}
