//! The community module `SVG`, with which specifications draw their states for animations
//! (usually in an ALIAS): elements are records `[name, attrs, children, innerText]`, built as
//! the module's TLA+ definitions build them; `SVGElemToString`, `NodeOfRingNetwork` and
//! `PointOnLine` compute what TLC's Java overrides compute; `SVGSerialize` writes an element to
//! a file as TLC does. `NodesOfDirectedMultiGraph`, a graph layout TLC delegates to a Java
//! library, is unsupported where it is evaluated.

use std::sync::Arc;

use crate::ast::Span;
use crate::community::int;
use crate::eval::{fail, function_pairs, EResult};
use crate::value::{Sym, Value};

fn text(v: &Value, span: Span, what: &str) -> EResult<Arc<str>> {
    match v {
        Value::Str(s) => Ok(s.text()),
        other => fail(
            span,
            format!("{what} expects a string, found {}", other.to_tlc()),
        ),
    }
}

/// `ToString(n)` of an integer.
fn number(n: i64) -> Value {
    Value::string(&n.to_string())
}

/// `Merge(r1, r2)`: the fields of both functions, `r1`'s where both have one.
fn merge(first: Vec<(Value, Value)>, second: &Value, span: Span, what: &str) -> EResult<Value> {
    if !second.is_function() {
        return fail(
            span,
            format!(
                "{what} expects a record of attributes, found {}",
                second.to_tlc()
            ),
        );
    }
    let mut pairs = first;
    for (k, v) in function_pairs(second) {
        if !pairs.iter().any(|(key, _)| *key == k) {
            pairs.push((k, v));
        }
    }
    Ok(Value::function(pairs))
}

/// `SVGElem(name, attrs, children, innerText)` as called, whatever its arguments.
pub(crate) fn element_of(a: &[Value]) -> Value {
    Value::record(vec![
        (Sym::new("name"), a[0].clone()),
        (Sym::new("attrs"), a[1].clone()),
        (Sym::new("children"), a[2].clone()),
        (Sym::new("innerText"), a[3].clone()),
    ])
}

/// `SVGElem(name, attrs, children, innerText)`.
pub(crate) fn element(name: &str, attrs: Value, children: Value, inner: Value) -> Value {
    element_of(&[Value::string(name), attrs, children, inner])
}

fn attributes(pairs: &[(&str, Value)]) -> Vec<(Value, Value)> {
    pairs
        .iter()
        .map(|(k, v)| (Value::string(k), v.clone()))
        .collect()
}

/// An element of one of the shapes: `name` with the numeric attributes `names` taken from
/// `numbers`, merged with the caller's `attrs`.
pub(crate) fn shape(
    name: &str,
    names: &[&str],
    numbers: &[Value],
    attrs: &Value,
    span: Span,
    what: &str,
) -> EResult<Value> {
    let mut own = Vec::with_capacity(names.len());
    for (k, v) in names.iter().zip(numbers) {
        own.push((*k, number(int(v, span, what)?)));
    }
    let attrs = merge(attributes(&own), attrs, span, what)?;
    Ok(element(
        name,
        attrs,
        Value::Seq(Arc::from([])),
        Value::string(""),
    ))
}

/// `Text(x, y, text, attrs)`.
pub(crate) fn text_element(a: &[Value], span: Span, what: &str) -> EResult<Value> {
    let own = [
        ("x", number(int(&a[0], span, what)?)),
        ("y", number(int(&a[1], span, what)?)),
    ];
    let attrs = merge(attributes(&own), &a[3], span, what)?;
    Ok(element(
        "text",
        attrs,
        Value::Seq(Arc::from([])),
        a[2].clone(),
    ))
}

/// `Image(x, y, width, height, href, attrs)`.
pub(crate) fn image(a: &[Value], span: Span, what: &str) -> EResult<Value> {
    let own = [
        ("xlink:href", a[4].clone()),
        ("x", number(int(&a[0], span, what)?)),
        ("y", number(int(&a[1], span, what)?)),
        ("width", number(int(&a[2], span, what)?)),
        ("height", number(int(&a[3], span, what)?)),
    ];
    let attrs = merge(attributes(&own), &a[5], span, what)?;
    Ok(element(
        "image",
        attrs,
        Value::Seq(Arc::from([])),
        Value::string(""),
    ))
}

/// `SVGDoc(children, vbX, vbY, vbW, vbH, attrs)`: an `svg` element with the namespaces and the
/// view box, around `children`.
pub(crate) fn document(a: &[Value], span: Span, what: &str) -> EResult<Value> {
    let mut view_box = Vec::with_capacity(4);
    for v in &a[1..5] {
        view_box.push(int(v, span, what)?.to_string());
    }
    let own = [
        ("xmlns:xlink", Value::string("http://www.w3.org/1999/xlink")),
        ("xmlns", Value::string("http://www.w3.org/2000/svg")),
        ("viewBox", Value::string(&view_box.join(" "))),
    ];
    let attrs = merge(attributes(&own), &a[5], span, what)?;
    Ok(element(
        "svg",
        attrs,
        Value::Seq(Arc::from([a[0].clone()])),
        Value::string(""),
    ))
}

/// `SVGElemToString(elem)`: the element as SVG text, as TLC's override writes it (attributes
/// single-quoted, `_` in their names written `-`, `<<` and `>>` in the text escaped).
pub(crate) fn to_string(elem: &Value, span: Span) -> EResult<String> {
    let what = "SVGElemToString";
    let field = |name: &str| -> EResult<Value> {
        match elem {
            Value::Record(fields) => match fields.iter().find(|(k, _)| &*k.text() == name) {
                Some((_, v)) => Ok(v.clone()),
                None => fail(
                    span,
                    format!(
                        "{what}: the element {} has no field `{name}`",
                        elem.to_tlc()
                    ),
                ),
            },
            other => fail(
                span,
                format!(
                    "{what}: an SVG element must be a record, found {}",
                    other.to_tlc()
                ),
            ),
        }
    };
    let name = text(&field("name")?, span, what)?;
    let mut out = format!("<{name}");
    let attrs = field("attrs")?;
    // A record's fields in the order of their names' interning, which is also how TLC orders
    // them (by first appearance in the parsed modules).
    for (k, v) in function_pairs(&attrs) {
        let key = text(&k, span, what)?.replace('_', "-");
        let value = text(&v, span, what)?;
        out.push_str(&format!(" {key}='{value}'"));
    }
    out.push('>');
    let inner = text(&field("innerText")?, span, what)?;
    out.push_str(&inner.replace("<<", "&lt;&lt;").replace(">>", "&gt;&gt;"));
    let children = field("children")?;
    if !children.is_function() {
        return fail(
            span,
            format!(
                "{what}: the children {} are not a sequence",
                children.to_tlc()
            ),
        );
    }
    for (_, child) in function_pairs(&children) {
        out.push_str(&to_string(&child, span)?);
    }
    out.push_str(&format!("</{name}>"));
    Ok(out)
}

/// `NodeOfRingNetwork(cx, cy, r, n, m)`: the place of node `n` of `m` on the circle of radius
/// `r` around `(cx, cy)`, as a record `[x, y]` (coordinates truncated, as TLC's override does).
pub(crate) fn ring_node(a: &[Value], span: Span, what: &str) -> EResult<Value> {
    let (cx, cy, r) = (
        int(&a[0], span, what)?,
        int(&a[1], span, what)?,
        int(&a[2], span, what)?,
    );
    let (n, m) = (int(&a[3], span, what)?, int(&a[4], span, what)?);
    if m == 0 {
        return fail(span, format!("{what}: a ring of 0 nodes"));
    }
    let angle = (2.0 * std::f64::consts::PI / m as f64) * n as f64;
    let x = (cx as f64 + r as f64 * angle.cos()) as i64;
    let y = (cy as f64 + r as f64 * angle.sin()) as i64;
    Ok(point(x, y))
}

fn point(x: i64, y: i64) -> Value {
    Value::record(vec![
        (Sym::new("x"), Value::Int(x)),
        (Sym::new("y"), Value::Int(y)),
    ])
}

/// `PointOnLine(from, to, segment)`: `from` moved by `1/segment` of the way to `to`,
/// truncated, as TLC's override computes it.
pub(crate) fn point_on_line(a: &[Value], span: Span, what: &str) -> EResult<Value> {
    let coordinate = |p: &Value, name: &str| -> EResult<i64> {
        match crate::eval::apply_function(p, &Value::string(name)) {
            Some(v) => int(&v, span, what),
            None => fail(
                span,
                format!("{what}: the point {} has no field `{name}`", p.to_tlc()),
            ),
        }
    };
    let (fx, fy) = (coordinate(&a[0], "x")?, coordinate(&a[0], "y")?);
    let (tx, ty) = (coordinate(&a[1], "x")?, coordinate(&a[1], "y")?);
    let segment = int(&a[2], span, what)? as f64;
    let x = (fx as f64 + (tx - fx) as f64 / segment) as i64;
    let y = (fy as f64 + (ty - fy) as f64 / segment) as i64;
    Ok(point(x, y))
}

/// `SVGSerialize(svg, prefix, frame)`: writes the element's text to `prefix` followed by the
/// frame number padded to three digits and `.svg`, as the module does through IOUtils.
pub(crate) fn serialize(a: &[Value], span: Span, what: &str) -> EResult<Value> {
    let body = to_string(&a[0], span)?;
    let prefix = text(&a[1], span, what)?;
    let frame = int(&a[2], span, what)?;
    let path = format!("{prefix}{}.svg", crate::io::zero_pad(frame, 3, span)?);
    let options = ["WRITE", "CREATE", "TRUNCATE_EXISTING"].map(String::from);
    Ok(crate::io::write_text(&path, &body, &options))
}
