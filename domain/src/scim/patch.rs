//! PATCH (RFC 7644 §3.5.2) applied to a resource as a JSON document. The
//! caller renders the resource, applies every operation here, then reads the
//! result as it reads a PUT: one set of rules for both.

use serde_json::{Map, Value};

use super::document::located;
use super::filter::{AttrPath, CompareOp, Filter, PatchPath};
use super::schema::{Attribute, AttributeType, PATCH_OP_SCHEMA, ResourceKind};
use super::{Refusal, ScimType};

/// What an operation does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Adds values (to a list, appends).
    Add,
    /// Removes the target.
    Remove,
    /// Replaces the target.
    Replace,
}

/// One operation of a PATCH request.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// What it does.
    pub op: Op,
    /// Where, as sent.
    pub path: Option<String>,
    /// With what.
    pub value: Option<Value>,
}

fn syntax(detail: impl Into<String>) -> Refusal {
    Refusal::new(ScimType::InvalidSyntax, detail)
}

fn key<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    object.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value)
}

/// Reads a PATCH request body: its operations, `op` in any case.
pub fn operations(body: &Value) -> Result<Vec<Operation>, Refusal> {
    let Value::Object(body) = body else { return Err(syntax("A PATCH request must be a JSON object.")) };
    let declared = key(body, "schemas").and_then(Value::as_array).is_some_and(|schemas| {
        schemas.iter().any(|schema| schema.as_str().is_some_and(|s| s.eq_ignore_ascii_case(PATCH_OP_SCHEMA)))
    });
    if !declared {
        return Err(syntax(format!("A PATCH request must list the schema {PATCH_OP_SCHEMA} in schemas.")));
    }
    let Some(Value::Array(raw)) = key(body, "Operations") else {
        return Err(syntax("A PATCH request needs Operations: a list of operations."));
    };
    if raw.is_empty() {
        return Err(syntax("Operations is empty."));
    }
    raw.iter()
        .enumerate()
        .map(|(index, raw)| {
            let Value::Object(raw) = raw else { return Err(syntax(format!("Operation {index} is not an object."))) };
            let op = match key(raw, "op").and_then(Value::as_str).map(str::to_ascii_lowercase).as_deref() {
                Some("add") => Op::Add,
                Some("remove") => Op::Remove,
                Some("replace") => Op::Replace,
                Some(other) => {
                    return Err(syntax(format!("Operation {index}: op \"{other}\" is none of add, remove, replace.")));
                }
                None => return Err(syntax(format!("Operation {index} needs an op: add, remove or replace."))),
            };
            let path = match key(raw, "path") {
                None | Some(Value::Null) => None,
                Some(Value::String(path)) if path.trim().is_empty() => None,
                Some(Value::String(path)) => Some(path.trim().to_owned()),
                Some(_) => return Err(syntax(format!("Operation {index}: path must be a string."))),
            };
            let value = key(raw, "value").filter(|value| !value.is_null()).cloned();
            Ok(Operation { op, path, value })
        })
        .collect()
}

fn needs_value(operation: Op, value: Option<&Value>) -> Result<&Value, Refusal> {
    value.ok_or_else(|| {
        Refusal::new(ScimType::InvalidValue, format!("{operation:?} needs a value.").to_ascii_lowercase())
    })
}

/// Applies one operation to `document`, a rendered resource of `kind`.
/// Attributes this service does not keep are ignored.
pub fn apply(kind: ResourceKind, document: &mut Map<String, Value>, operation: &Operation) -> Result<(), Refusal> {
    match &operation.path {
        Some(path) => apply_at(kind, document, operation.op, path, operation.value.as_ref()),
        None => {
            if operation.op == Op::Remove {
                return Err(Refusal::new(ScimType::NoTarget, "remove needs a path: what to remove."));
            }
            let Some(Value::Object(values)) = &operation.value else {
                return Err(Refusal::new(
                    ScimType::InvalidValue,
                    "Without a path, the value must be an object of attributes.",
                ));
            };
            for (name, value) in values {
                apply_at(kind, document, operation.op, name, Some(value))?;
            }
            Ok(())
        }
    }
}

fn apply_at(
    kind: ResourceKind,
    document: &mut Map<String, Value>,
    op: Op,
    raw_path: &str,
    value: Option<&Value>,
) -> Result<(), Refusal> {
    // A whole extension, e.g. `{"urn:…:enterprise:2.0:User": {"department": "x"}}`.
    if let Some(extension) = kind.extension(raw_path) {
        if op == Op::Remove {
            document.remove(extension.id);
            return Ok(());
        }
        let Value::Object(values) = needs_value(op, value)? else {
            return Err(Refusal::new(ScimType::InvalidValue, format!("{} must be an object.", extension.id)));
        };
        for (name, value) in values {
            apply_at(kind, document, op, &format!("{}:{name}", extension.id), Some(value))?;
        }
        return Ok(());
    }
    let path = PatchPath::parse(raw_path)
        .map_err(|e| Refusal::new(ScimType::InvalidPath, format!("\"{raw_path}\" is not a valid path: {e}")))?;
    let Some((container, name, sub)) = located(kind, &path.attr) else { return Ok(()) };
    if matches!(name.as_str(), "id" | "meta" | "schemas") {
        return Ok(());
    }
    let attribute = kind.resolve(&path.attr).and_then(|(_, attribute)| attribute);
    let target = match container {
        Some(urn) => {
            let entry = document.entry(urn).or_insert_with(|| Value::Object(Map::new()));
            if !entry.is_object() {
                *entry = Value::Object(Map::new());
            }
            match entry {
                Value::Object(object) => object,
                _ => return Ok(()),
            }
        }
        None => document,
    };
    match &path.value_filter {
        None => apply_plain(target, attribute, op, &name, sub.as_deref(), value),
        Some(filter) => {
            let sub = path.sub_after_filter.as_deref();
            apply_filtered(kind, target, attribute, op, &name, filter, sub, value)
        }
    }
}

fn sub_name(attribute: Option<&'static Attribute>, sub: &str) -> String {
    attribute.and_then(|a| a.sub_attribute(sub)).map_or_else(|| sub.to_owned(), |s| s.name.to_owned())
}

fn as_items(value: &Value) -> Vec<Value> {
    match value {
        Value::Array(items) => items.clone(),
        one => vec![one.clone()],
    }
}

fn merge(into: &mut Value, value: &Value) {
    match (into, value) {
        (Value::Object(into), Value::Object(more)) => {
            for (key, value) in more {
                into.insert(key.clone(), value.clone());
            }
        }
        (into, value) => *into = value.clone(),
    }
}

fn item_value(item: &Value) -> Option<&Value> {
    match item {
        Value::Object(object) => key(object, "value"),
        other => Some(other),
    }
}

fn apply_plain(
    target: &mut Map<String, Value>,
    attribute: Option<&'static Attribute>,
    op: Op,
    name: &str,
    sub: Option<&str>,
    value: Option<&Value>,
) -> Result<(), Refusal> {
    let multi_valued = attribute.is_some_and(|a| a.multi_valued);
    let complex = attribute.is_some_and(|a| a.kind == AttributeType::Complex);
    match (sub, op) {
        (None, Op::Remove) => {
            // `{"op": "remove", "path": "members", "value": [{"value": "id"}]}`
            // removes those members, as Entra ID sends it.
            if let (true, Some(value), Some(Value::Array(items))) = (multi_valued, value, target.get_mut(name)) {
                let removed: Vec<Value> = as_items(value).iter().filter_map(item_value).cloned().collect();
                items.retain(|item| !item_value(item).is_some_and(|v| removed.contains(v)));
            } else {
                target.remove(name);
            }
        }
        (None, Op::Add) if multi_valued => {
            let entry = target.entry(name.to_owned()).or_insert_with(|| Value::Array(Vec::new()));
            if !entry.is_array() {
                *entry = Value::Array(Vec::new());
            }
            if let Value::Array(items) = entry {
                for item in as_items(needs_value(op, value)?) {
                    if !items.contains(&item) {
                        items.push(item);
                    }
                }
            }
        }
        (None, Op::Replace) if multi_valued => {
            target.insert(name.to_owned(), Value::Array(as_items(needs_value(op, value)?)));
        }
        (None, _) if complex => {
            merge(target.entry(name.to_owned()).or_insert_with(|| Value::Object(Map::new())), needs_value(op, value)?);
        }
        (None, _) => {
            target.insert(name.to_owned(), needs_value(op, value)?.clone());
        }
        (Some(sub), op) => {
            let sub = sub_name(attribute, sub);
            let entry = target
                .entry(name.to_owned())
                .or_insert_with(|| if multi_valued { Value::Array(Vec::new()) } else { Value::Object(Map::new()) });
            match (entry, op) {
                (Value::Array(items), Op::Remove) => {
                    items.iter_mut().filter_map(Value::as_object_mut).for_each(|item| {
                        item.remove(&sub);
                    });
                }
                (Value::Array(items), _) => {
                    let value = needs_value(op, value)?;
                    if items.is_empty() {
                        items.push(Value::Object(Map::new()));
                    }
                    for item in items.iter_mut().filter_map(Value::as_object_mut) {
                        item.insert(sub.clone(), value.clone());
                    }
                }
                (Value::Object(object), Op::Remove) => {
                    object.remove(&sub);
                }
                (Value::Object(object), _) => {
                    object.insert(sub, needs_value(op, value)?.clone());
                }
                (entry, Op::Remove) => *entry = Value::Null,
                (entry, _) => {
                    let mut object = Map::new();
                    object.insert(sub, needs_value(op, value)?.clone());
                    *entry = Value::Object(object);
                }
            }
            if target.get(name).is_some_and(|v| v.is_null() || v.as_object().is_some_and(Map::is_empty)) {
                target.remove(name);
            }
        }
    }
    Ok(())
}

/// The element a filter of `eq` comparisons describes, for adding it when
/// none matches (`emails[type eq "work"].value` on a user without one).
fn described_element(filter: &Filter, into: &mut Map<String, Value>) -> bool {
    match filter {
        Filter::Compare { path: AttrPath { schema: None, name, sub: None }, op: CompareOp::Eq, value } => {
            into.insert(name.clone(), value.clone());
            true
        }
        Filter::And(left, right) => described_element(left, into) && described_element(right, into),
        _ => false,
    }
}

#[allow(clippy::too_many_arguments)]
fn apply_filtered(
    kind: ResourceKind,
    target: &mut Map<String, Value>,
    attribute: Option<&'static Attribute>,
    op: Op,
    name: &str,
    filter: &Filter,
    sub: Option<&str>,
    value: Option<&Value>,
) -> Result<(), Refusal> {
    if attribute.is_some_and(|a| !a.multi_valued) {
        return Err(Refusal::new(ScimType::InvalidPath, format!("{name} is not multi-valued; it cannot be filtered.")));
    }
    let case_exact = |inner: &AttrPath| {
        kind.case_exact(&AttrPath { schema: None, name: name.to_owned(), sub: Some(inner.name.clone()) })
    };
    let sub = sub.map(|sub| sub_name(attribute, sub));
    let entry = target.entry(name.to_owned()).or_insert_with(|| Value::Array(Vec::new()));
    if !entry.is_array() {
        *entry = Value::Array(Vec::new());
    }
    let Value::Array(items) = entry else { return Ok(()) };
    let matched: Vec<usize> =
        items.iter().enumerate().filter(|(_, item)| filter.matches(item, &case_exact)).map(|(i, _)| i).collect();
    match op {
        Op::Remove => {
            match &sub {
                None => {
                    let mut index = 0;
                    items.retain(|_| {
                        index += 1;
                        !matched.contains(&(index - 1))
                    });
                }
                Some(sub) => {
                    for &i in &matched {
                        if let Some(Value::Object(item)) = items.get_mut(i) {
                            item.remove(sub);
                        }
                    }
                }
            }
            if items.is_empty() {
                target.remove(name);
            }
        }
        Op::Add | Op::Replace => {
            let value = needs_value(op, value)?;
            if matched.is_empty() {
                let mut element = Map::new();
                if !described_element(filter, &mut element) {
                    return Err(Refusal::new(
                        ScimType::NoTarget,
                        format!("No value of {name} matches the filter of the path."),
                    ));
                }
                let mut element = Value::Object(element);
                match &sub {
                    Some(sub) => {
                        if let Value::Object(object) = &mut element {
                            object.insert(sub.clone(), value.clone());
                        }
                    }
                    None => merge(&mut element, value),
                }
                items.push(element);
            }
            for &i in &matched {
                let Some(item) = items.get_mut(i) else { continue };
                match (&sub, item) {
                    (Some(sub), Value::Object(object)) => {
                        object.insert(sub.clone(), value.clone());
                    }
                    (Some(_), _) => {}
                    (None, item) => merge(item, value),
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::scim::schema::ENTERPRISE_USER_SCHEMA;

    fn patched(document: Value, body: Value) -> Result<Value, Refusal> {
        let Value::Object(mut document) = document else { return Err(syntax("not an object")) };
        for operation in operations(&body)? {
            apply(ResourceKind::User, &mut document, &operation)?;
        }
        Ok(Value::Object(document))
    }

    fn body(operations: Value) -> Value {
        json!({ "schemas": [PATCH_OP_SCHEMA], "Operations": operations })
    }

    #[test]
    fn capitalised_ops_and_path_less_values_with_dotted_keys_apply() {
        let result = patched(
            json!({ "userName": "a@acme.example", "active": true }),
            body(json!([
                { "op": "Replace", "value": { "active": "False", "name.givenName": "Ann", "displayName": "Ann" } },
                { "op": "ADD", "path": "title", "value": "CFO" },
            ])),
        );
        assert_eq!(
            result,
            Ok(json!({ "userName": "a@acme.example", "active": "False", "name": { "givenName": "Ann" },
                       "displayName": "Ann", "title": "CFO" }))
        );
    }

    #[test]
    fn filtered_paths_change_the_matching_value_or_add_it() {
        let start = json!({ "userName": "a@acme.example",
            "emails": [{ "value": "old@acme.example", "type": "work" }, { "value": "h@home.example", "type": "home" }] });
        let result = patched(
            start.clone(),
            body(json!([{ "op": "replace", "path": "emails[type eq \"work\"].value", "value": "new@acme.example" }])),
        );
        assert_eq!(
            result.map(|r| r["emails"].clone()),
            Ok(json!([{ "value": "new@acme.example", "type": "work" }, { "value": "h@home.example", "type": "home" }]))
        );
        let added = patched(
            json!({ "userName": "a@acme.example" }),
            body(json!([{ "op": "add", "path": "emails[type eq \"work\"].value", "value": "w@acme.example" }])),
        );
        assert_eq!(added.map(|r| r["emails"].clone()), Ok(json!([{ "type": "work", "value": "w@acme.example" }])));
        let removed = patched(start, body(json!([{ "op": "remove", "path": "emails[type eq \"home\"]" }])));
        assert_eq!(removed.map(|r| r["emails"].clone()), Ok(json!([{ "value": "old@acme.example", "type": "work" }])));
    }

    #[test]
    fn extension_attributes_are_reached_by_urn() {
        let result = patched(
            json!({ "userName": "a@acme.example" }),
            body(json!([
                { "op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "Sales" },
                { "op": "add", "value": { ENTERPRISE_USER_SCHEMA: { "employeeNumber": "7" } } },
            ])),
        );
        assert_eq!(
            result.map(|r| r[ENTERPRISE_USER_SCHEMA].clone()),
            Ok(json!({ "department": "Sales", "employeeNumber": "7" }))
        );
    }

    #[test]
    fn members_are_added_and_removed_by_value() {
        let Value::Object(mut group) = json!({ "displayName": "G", "members": [{ "value": "1" }] }) else { return };
        let ops = operations(&body(json!([
            { "op": "add", "path": "members", "value": [{ "value": "2" }, { "value": "1" }] },
            { "op": "Remove", "path": "members", "value": [{ "value": "1" }] },
            { "op": "remove", "path": "members[value eq \"3\"]" },
        ])));
        for operation in ops.iter().flatten() {
            assert_eq!(apply(ResourceKind::Group, &mut group, operation), Ok(()));
        }
        assert_eq!(group.get("members"), Some(&json!([{ "value": "2" }])));
    }

    #[test]
    fn what_cannot_be_understood_is_refused() {
        let user = json!({ "userName": "a@acme.example" });
        let refused = |b: Value| patched(user.clone(), b).err().map(|r| r.scim_type);
        assert_eq!(refused(json!({ "Operations": [] })), Some(ScimType::InvalidSyntax));
        assert_eq!(refused(body(json!([]))), Some(ScimType::InvalidSyntax));
        assert_eq!(refused(body(json!([{ "op": "move", "path": "title" }]))), Some(ScimType::InvalidSyntax));
        assert_eq!(refused(body(json!([{ "op": "remove" }]))), Some(ScimType::NoTarget));
        assert_eq!(
            refused(body(json!([{ "op": "add", "path": "emails[type eq", "value": "x" }]))),
            Some(ScimType::InvalidPath)
        );
        assert_eq!(refused(body(json!([{ "op": "replace", "path": "title" }]))), Some(ScimType::InvalidValue));
        assert_eq!(
            refused(body(json!([{ "op": "replace", "path": "emails[value co \"x\"].type", "value": "work" }]))),
            Some(ScimType::NoTarget)
        );
        // Attributes this service does not keep are ignored, not refused.
        assert_eq!(refused(body(json!([{ "op": "add", "path": "nickName", "value": "x" }]))), None);
    }
}
