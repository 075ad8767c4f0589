//! Resources as JSON documents: what an identity provider sends is first
//! normalised to the schema (canonical attribute names, checked types,
//! unknown and read-only attributes dropped), then read as a user or a
//! group. Stored accounts and groups are rendered back the same way, so a
//! PATCH works on exactly what a GET returns.

use serde_json::{Map, Value};

use super::filter::{AttrPath, PatchPath};
use super::schema::{
    Attribute, AttributeType, ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, ResourceKind, Schema, USER_SCHEMA,
};
use super::{Refusal, ScimType};
use crate::accounts::{
    AccountEmail, AccountEmailError, AccountProfile, AccountStatus, Department, DisplayName, ExternalId,
};

fn invalid_value(detail: String) -> Refusal {
    Refusal::new(ScimType::InvalidValue, detail)
}

/// Reads a boolean as identity providers send it: `true`, or `"True"`.
pub fn boolean(name: &str, value: &Value) -> Result<bool, Refusal> {
    match value {
        Value::Bool(flag) => Ok(*flag),
        Value::String(text) if text.trim().eq_ignore_ascii_case("true") => Ok(true),
        Value::String(text) if text.trim().eq_ignore_ascii_case("false") => Ok(false),
        other => Err(invalid_value(format!("{name} must be a boolean (true or false), not {other}."))),
    }
}

fn single(name: &str, attribute: &Attribute, value: &Value) -> Result<Option<Value>, Refusal> {
    match (attribute.kind, value) {
        (_, Value::Null) => Ok(None),
        (AttributeType::String | AttributeType::Reference, Value::String(text)) => {
            Ok((!text.trim().is_empty()).then(|| Value::String(text.clone())))
        }
        // Some directories send employee numbers and the like as numbers.
        (AttributeType::String, Value::Number(number)) => Ok(Some(Value::String(number.to_string()))),
        (AttributeType::String | AttributeType::Reference, other) => {
            Err(invalid_value(format!("{name} must be a string, not {other}.")))
        }
        (AttributeType::Boolean, other) => boolean(name, other).map(|flag| Some(Value::Bool(flag))),
        (AttributeType::Complex, Value::Object(object)) => {
            let mut normalised = Map::new();
            for (key, sub_value) in object {
                if let Some(sub) = attribute.sub_attribute(key)
                    && let Some(sub_value) = single(&format!("{name}.{}", sub.name), sub, sub_value)?
                {
                    normalised.insert(sub.name.to_owned(), sub_value);
                }
            }
            Ok((!normalised.is_empty()).then_some(Value::Object(normalised)))
        }
        // `"emails": ["ann@acme.example"]`: a bare value of a complex attribute is its `value`.
        (AttributeType::Complex, Value::String(_)) if attribute.sub_attribute("value").is_some() => {
            single(name, attribute, &serde_json::json!({ "value": value }))
        }
        (AttributeType::Complex, other) => Err(invalid_value(format!("{name} must be an object, not {other}."))),
    }
}

/// Normalises the value of `attribute`: `None` when it holds nothing.
pub fn attribute_value(attribute: &Attribute, value: &Value) -> Result<Option<Value>, Refusal> {
    if !attribute.multi_valued {
        return single(attribute.name, attribute, value);
    }
    let items: Vec<&Value> = match value {
        Value::Null => Vec::new(),
        Value::Array(items) => items.iter().collect(),
        one => vec![one],
    };
    let mut normalised = Vec::new();
    for item in items {
        if let Some(item) = single(attribute.name, attribute, item)? {
            normalised.push(item);
        }
    }
    Ok((!normalised.is_empty()).then_some(Value::Array(normalised)))
}

fn schema_attributes(schema: &Schema, object: &Map<String, Value>) -> Result<Map<String, Value>, Refusal> {
    let mut normalised = Map::new();
    for (key, value) in object {
        let Some(attribute) = schema.attribute(key) else { continue };
        if attribute.mutability == "readOnly" {
            continue;
        }
        if let Some(value) = attribute_value(attribute, value)? {
            normalised.insert(attribute.name.to_owned(), value);
        }
    }
    Ok(normalised)
}

/// Normalises a resource of `kind` as sent: attribute names as the schema
/// spells them, values of the right type, attributes this service does not
/// keep, read-only ones and empty ones left out.
pub fn normalise(kind: ResourceKind, raw: &Value) -> Result<Map<String, Value>, Refusal> {
    let Value::Object(object) = raw else {
        return Err(Refusal::new(ScimType::InvalidSyntax, format!("A {} must be a JSON object.", kind.name())));
    };
    let mut normalised = schema_attributes(kind.schema(), object)?;
    for (key, value) in object {
        if key.eq_ignore_ascii_case("externalId") {
            if let Some(value) = single("externalId", &EXTERNAL_ID, value)? {
                normalised.insert("externalId".to_owned(), value);
            }
        } else if let Some(extension) = kind.extension(key) {
            match value {
                Value::Null => {}
                Value::Object(inner) => {
                    let inner = schema_attributes(extension, inner)?;
                    if !inner.is_empty() {
                        normalised.insert(extension.id.to_owned(), Value::Object(inner));
                    }
                }
                other => return Err(invalid_value(format!("{} must be an object, not {other}.", extension.id))),
            }
        }
    }
    Ok(normalised)
}

static EXTERNAL_ID: Attribute = Attribute {
    name: "externalId",
    kind: AttributeType::String,
    multi_valued: false,
    required: false,
    case_exact: true,
    mutability: "readWrite",
    returned: "default",
    uniqueness: "none",
    description: "The resource's id in the identity provider.",
    canonical_values: &[],
    reference_types: &[],
    sub_attributes: &[],
};

fn text<'a>(document: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    document.get(name).and_then(Value::as_str)
}

/// The attributes of a user that the accounts API has no field for; kept as
/// sent so that they read back the same.
const KEPT_AS_SENT: [&str; 3] = ["name", "title", "emails"];
const KEPT_ENTERPRISE: [&str; 1] = ["employeeNumber"];

/// A user as an account: what to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserAccount {
    /// `userName`, which must be in one of the customer's domains.
    pub email: AccountEmail,
    /// Display name, department and external id.
    pub profile: AccountProfile,
    /// `active`.
    pub status: AccountStatus,
    /// The other attributes as a JSON object, `None` when there are none.
    pub kept_as_sent: Option<String>,
}

fn checked<T, E: std::fmt::Display>(name: &str, parsed: Result<T, E>) -> Result<T, Refusal> {
    parsed.map_err(|e| invalid_value(format!("{name} {e}.")))
}

/// Reads a normalised user as an account of a customer with `domains`.
pub fn user_account<S: AsRef<str>>(document: &Map<String, Value>, domains: &[S]) -> Result<UserAccount, Refusal> {
    let user_name = text(document, "userName")
        .ok_or_else(|| invalid_value("userName is required: the account's e-mail address.".to_owned()))?;
    let email = AccountEmail::parse(user_name, domains).map_err(|e| match e {
        AccountEmailError::Invalid(_) => invalid_value(format!(
            "userName \"{user_name}\" is not an e-mail address; accounts are identified by their e-mail address in \
             one of the customer's domains."
        )),
        AccountEmailError::ForeignDomain { domain, allowed } => invalid_value(format!(
            "userName \"{user_name}\" is in the domain {domain}, which is not one of this customer's domains \
             ({allowed}). Check that the directory connected is the customer's own, and not the MSP's."
        )),
    })?;
    let enterprise = document.get(ENTERPRISE_USER_SCHEMA).and_then(Value::as_object);
    let profile = AccountProfile {
        display_name: text(document, "displayName")
            .map(|v| checked("displayName", DisplayName::parse(v)))
            .transpose()?,
        department: enterprise
            .and_then(|e| text(e, "department"))
            .map(|v| checked("department", Department::parse(v)))
            .transpose()?,
        external_id: text(document, "externalId").map(|v| checked("externalId", ExternalId::parse(v))).transpose()?,
    };
    let active = document.get("active").map(|v| boolean("active", v)).transpose()?.unwrap_or(true);
    let mut kept = Map::new();
    for name in KEPT_AS_SENT {
        if let Some(value) = document.get(name) {
            kept.insert(name.to_owned(), value.clone());
        }
    }
    for name in KEPT_ENTERPRISE {
        if let Some(value) = enterprise.and_then(|e| e.get(name)) {
            kept.insert(name.to_owned(), value.clone());
        }
    }
    Ok(UserAccount {
        email,
        profile,
        status: if active { AccountStatus::Active } else { AccountStatus::Inactive },
        kept_as_sent: (!kept.is_empty()).then(|| Value::Object(kept).to_string()),
    })
}

/// A stored account, as a user is rendered from it.
#[derive(Debug, Clone, Copy)]
pub struct StoredUser<'a> {
    /// Account id.
    pub id: &'a str,
    /// Its address.
    pub email: &'a str,
    /// Display name.
    pub display_name: Option<&'a str>,
    /// Department.
    pub department: Option<&'a str>,
    /// External id.
    pub external_id: Option<&'a str>,
    /// Whether active.
    pub active: bool,
    /// The attributes kept as sent (JSON object).
    pub kept_as_sent: Option<&'a str>,
}

/// The user of a stored account, without `meta`.
pub fn user_document(user: &StoredUser<'_>) -> Map<String, Value> {
    let kept: Map<String, Value> = user
        .kept_as_sent
        .and_then(|raw| serde_json::from_str::<Value>(raw).ok())
        .and_then(|value| match value {
            Value::Object(object) => Some(object),
            _ => None,
        })
        .unwrap_or_default();
    let mut document = Map::new();
    let mut enterprise = Map::new();
    if let Some(department) = user.department {
        enterprise.insert("department".to_owned(), Value::from(department));
    }
    for name in KEPT_ENTERPRISE {
        if let Some(value) = kept.get(name) {
            enterprise.insert(name.to_owned(), value.clone());
        }
    }
    let mut schemas = vec![Value::from(USER_SCHEMA)];
    if !enterprise.is_empty() {
        schemas.push(Value::from(ENTERPRISE_USER_SCHEMA));
    }
    document.insert("schemas".to_owned(), Value::Array(schemas));
    document.insert("id".to_owned(), Value::from(user.id));
    if let Some(external_id) = user.external_id {
        document.insert("externalId".to_owned(), Value::from(external_id));
    }
    document.insert("userName".to_owned(), Value::from(user.email));
    if let Some(display_name) = user.display_name {
        document.insert("displayName".to_owned(), Value::from(display_name));
    }
    for name in KEPT_AS_SENT {
        if let Some(value) = kept.get(name) {
            document.insert(name.to_owned(), value.clone());
        }
    }
    document.insert("active".to_owned(), Value::Bool(user.active));
    if !enterprise.is_empty() {
        document.insert(ENTERPRISE_USER_SCHEMA.to_owned(), Value::Object(enterprise));
    }
    document
}

/// A group as stored: its name, external id and member account ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupFields {
    /// `displayName`.
    pub display_name: DisplayName,
    /// `externalId`.
    pub external_id: Option<ExternalId>,
    /// The ids in `members`, each once, in the order sent.
    pub members: Vec<String>,
}

/// Reads a normalised group.
pub fn group_fields(document: &Map<String, Value>) -> Result<GroupFields, Refusal> {
    let display_name = text(document, "displayName")
        .ok_or_else(|| invalid_value("displayName is required: the group's name.".to_owned()))?;
    let mut members: Vec<String> = Vec::new();
    for member in document.get("members").and_then(Value::as_array).into_iter().flatten() {
        let id = text(member.as_object().unwrap_or(&Map::new()), "value")
            .map(str::to_owned)
            .ok_or_else(|| invalid_value("Each member needs a value: the id of a user.".to_owned()))?;
        if !members.contains(&id) {
            members.push(id);
        }
    }
    Ok(GroupFields {
        display_name: checked("displayName", DisplayName::parse(display_name))?,
        external_id: text(document, "externalId").map(|v| checked("externalId", ExternalId::parse(v))).transpose()?,
        members,
    })
}

/// The group of stored fields, without `meta`; `users_url` is the base URL
/// of `/Users`, for the members' `$ref`.
pub fn group_document(
    id: &str,
    display_name: &str,
    external_id: Option<&str>,
    members: &[&str],
    users_url: &str,
) -> Map<String, Value> {
    let mut document = Map::new();
    document.insert("schemas".to_owned(), Value::Array(vec![Value::from(GROUP_SCHEMA)]));
    document.insert("id".to_owned(), Value::from(id));
    if let Some(external_id) = external_id {
        document.insert("externalId".to_owned(), Value::from(external_id));
    }
    document.insert("displayName".to_owned(), Value::from(display_name));
    if !members.is_empty() {
        let members = members
            .iter()
            .map(|member| {
                serde_json::json!({ "value": member, "$ref": format!("{users_url}/{member}"), "type": "User" })
            })
            .collect();
        document.insert("members".to_owned(), Value::Array(members));
    }
    document
}

/// Reads `attributes` or `excludedAttributes`: comma-separated attribute
/// paths.
pub fn attribute_list(raw: &str) -> Result<Vec<AttrPath>, Refusal> {
    let mut paths = Vec::new();
    for item in raw.split(',').map(str::trim).filter(|item| !item.is_empty()) {
        let path = PatchPath::parse(item)
            .map_err(|e| Refusal::new(ScimType::InvalidPath, format!("\"{item}\" is not an attribute path: {e}")))?;
        if path.value_filter.is_some() {
            return Err(Refusal::new(
                ScimType::InvalidPath,
                format!("\"{item}\": attributes are named without filters."),
            ));
        }
        paths.push(path.attr);
    }
    Ok(paths)
}

/// The key of `document` that `path` names, and the sub-attribute within
/// it: extension attributes live under their schema's URN.
pub(crate) fn located(kind: ResourceKind, path: &AttrPath) -> Option<(Option<String>, String, Option<String>)> {
    // A bare extension URN names the whole extension; it parses as a schema
    // prefix and a last segment, which together spell the URN.
    if path.sub.is_none()
        && let Some(extension) = kind.extension(&path.to_string())
    {
        return Some((None, extension.id.to_owned(), None));
    }
    match kind.resolve(path)? {
        (Some(schema), Some(attribute)) if schema.id != kind.schema().id => {
            Some((Some(schema.id.to_owned()), attribute.name.to_owned(), path.sub.clone()))
        }
        (_, Some(attribute)) => Some((None, attribute.name.to_owned(), path.sub.clone())),
        _ => {
            let common = ["id", "externalId", "meta"].into_iter().find(|c| c.eq_ignore_ascii_case(&path.name))?;
            Some((None, common.to_owned(), path.sub.clone()))
        }
    }
}

fn keep_only(value: &mut Value, sub: &str) {
    let keep = |object: &mut Map<String, Value>| object.retain(|key, _| key.eq_ignore_ascii_case(sub));
    match value {
        Value::Object(object) => keep(object),
        Value::Array(items) => items.iter_mut().filter_map(Value::as_object_mut).for_each(keep),
        _ => {}
    }
}

/// Applies `attributes` (only those, plus `schemas` and `id`) or else
/// `excludedAttributes` (all but those) to a rendered resource.
pub fn project(kind: ResourceKind, document: &mut Map<String, Value>, attributes: &[AttrPath], excluded: &[AttrPath]) {
    const ALWAYS: [&str; 2] = ["schemas", "id"];
    if !attributes.is_empty() {
        let mut projected = Map::new();
        for key in ALWAYS {
            if let Some(value) = document.get(key) {
                projected.insert(key.to_owned(), value.clone());
            }
        }
        for path in attributes {
            let Some((container, name, sub)) = located(kind, path) else { continue };
            let source = match &container {
                Some(urn) => document.get(urn).and_then(Value::as_object),
                None => Some(&*document),
            };
            let Some(mut value) = source.and_then(|source| source.get(&name)).cloned() else { continue };
            let target = match container {
                Some(urn) => match projected.entry(urn).or_insert_with(|| Value::Object(Map::new())) {
                    Value::Object(object) => object,
                    _ => continue,
                },
                None => &mut projected,
            };
            match (sub, target.get_mut(&name)) {
                (Some(sub), Some(existing)) => {
                    // name.givenName after name.familyName: merge the kept parts.
                    keep_only(&mut value, &sub);
                    if let (Value::Object(existing), Value::Object(more)) = (existing, value) {
                        existing.extend(more);
                    }
                }
                (Some(sub), None) => {
                    keep_only(&mut value, &sub);
                    target.insert(name, value);
                }
                (None, _) => {
                    target.insert(name, value);
                }
            }
        }
        *document = projected;
        return;
    }
    for path in excluded {
        let Some((container, name, sub)) = located(kind, path) else { continue };
        if ALWAYS.contains(&name.as_str()) {
            continue;
        }
        let target = match &container {
            Some(urn) => match document.get_mut(urn) {
                Some(Value::Object(object)) => object,
                _ => continue,
            },
            None => &mut *document,
        };
        match sub {
            None => {
                target.remove(&name);
            }
            Some(sub) => match target.get_mut(&name) {
                Some(Value::Object(object)) => {
                    object.retain(|key, _| !key.eq_ignore_ascii_case(&sub));
                }
                Some(Value::Array(items)) => {
                    for item in items.iter_mut().filter_map(Value::as_object_mut) {
                        item.retain(|key, _| !key.eq_ignore_ascii_case(&sub));
                    }
                }
                _ => {}
            },
        }
        if let Some(urn) = container
            && document.get(&urn).and_then(Value::as_object).is_some_and(Map::is_empty)
        {
            document.remove(&urn);
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const DOMAINS: [&str; 1] = ["acme.example"];

    #[test]
    fn identity_provider_spellings_are_normalised_and_unknown_attributes_dropped() {
        let sent = json!({
            "schemas": [USER_SCHEMA],
            "UserName": "Ann@Acme.example",
            "ACTIVE": "False",
            "name": { "GivenName": "Ann", "unknown": 1 },
            "emails": [{ "value": "ann@acme.example", "type": "work", "primary": "true" }],
            "preferredLanguage": "en",
            "id": "client-chosen",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user": { "Department": "Finance" },
        });
        let document = normalise(ResourceKind::User, &sent);
        assert_eq!(
            document.as_ref().map(|d| Value::Object(d.clone())),
            Ok(json!({
                "userName": "Ann@Acme.example",
                "active": false,
                "name": { "givenName": "Ann" },
                "emails": [{ "value": "ann@acme.example", "type": "work", "primary": true }],
                ENTERPRISE_USER_SCHEMA: { "department": "Finance" },
            }))
        );
        let account = document.and_then(|d| user_account(&d, &DOMAINS));
        assert!(matches!(&account, Ok(a) if a.email.as_str() == "ann@acme.example"
            && a.status == AccountStatus::Inactive
            && a.profile.department.as_ref().map(Department::as_str) == Some("Finance")));
    }

    #[test]
    fn wrong_types_and_foreign_domains_are_refused_with_what_to_fix() {
        let wrong = normalise(ResourceKind::User, &json!({ "userName": "a@acme.example", "active": "maybe" }));
        assert!(matches!(wrong, Err(Refusal { scim_type: ScimType::InvalidValue, .. })));
        assert!(matches!(
            normalise(ResourceKind::User, &json!([])),
            Err(Refusal { scim_type: ScimType::InvalidSyntax, .. })
        ));
        let foreign = normalise(ResourceKind::User, &json!({ "userName": "bob@msp.example" }))
            .and_then(|d| user_account(&d, &DOMAINS));
        assert!(matches!(&foreign, Err(r) if r.detail.contains("msp.example") && r.detail.contains("acme.example")));
        let missing =
            normalise(ResourceKind::User, &json!({ "displayName": "x" })).and_then(|d| user_account(&d, &DOMAINS));
        assert!(matches!(missing, Err(Refusal { scim_type: ScimType::InvalidValue, .. })));
    }

    #[test]
    fn a_stored_user_renders_to_what_was_sent() -> Result<(), Refusal> {
        let sent = json!({
            "userName": "ann@acme.example",
            "displayName": "Ann Lee",
            "externalId": "abc",
            "name": { "familyName": "Lee" },
            "title": "CFO",
            "active": true,
            ENTERPRISE_USER_SCHEMA: { "department": "Finance", "employeeNumber": "42" },
        });
        let normalised = normalise(ResourceKind::User, &sent)?;
        let account = user_account(&normalised, &DOMAINS)?;
        let rendered = user_document(&StoredUser {
            id: "1",
            email: account.email.as_str(),
            display_name: account.profile.display_name.as_ref().map(DisplayName::as_str),
            department: account.profile.department.as_ref().map(Department::as_str),
            external_id: account.profile.external_id.as_ref().map(ExternalId::as_str),
            active: account.status == AccountStatus::Active,
            kept_as_sent: account.kept_as_sent.as_deref(),
        });
        assert_eq!(normalise(ResourceKind::User, &Value::Object(rendered)), Ok(normalised));
        Ok(())
    }

    #[test]
    fn projection_keeps_or_drops_what_was_named() {
        let full = json!({
            "schemas": [USER_SCHEMA], "id": "1", "userName": "a@acme.example", "displayName": "A",
            "name": { "givenName": "A", "familyName": "B" },
            ENTERPRISE_USER_SCHEMA: { "department": "D" },
        });
        let Value::Object(full) = full else { unreachable!("an object literal") };
        let mut only = full.clone();
        let paths = attribute_list(
            "userName, name.givenName, urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
        );
        project(ResourceKind::User, &mut only, paths.as_deref().unwrap_or_default(), &[]);
        assert_eq!(
            Value::Object(only),
            json!({ "schemas": [USER_SCHEMA], "id": "1", "userName": "a@acme.example", "name": { "givenName": "A" },
                    ENTERPRISE_USER_SCHEMA: { "department": "D" } })
        );
        let mut without = full;
        let paths = attribute_list("displayName,name,id,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User");
        project(ResourceKind::User, &mut without, &[], paths.as_deref().unwrap_or_default());
        assert_eq!(
            Value::Object(without),
            json!({ "schemas": [USER_SCHEMA], "id": "1", "userName": "a@acme.example" })
        );
        assert!(attribute_list("emails[type eq \"work\"]").is_err());
    }
}
