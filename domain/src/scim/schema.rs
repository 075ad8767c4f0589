//! The resources this service provider serves and the attributes each has,
//! as published at `/Schemas` (RFC 7643 §7). The same definitions decide how
//! attribute names are spelled, which are multi-valued and which compare
//! case-sensitively, so what is advertised is what is enforced.

use serde_json::{Value, json};

use super::filter::AttrPath;

/// Core schema of users.
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// Core schema of groups.
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// The enterprise extension of users (department, employee number).
pub const ENTERPRISE_USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// Message schema of list responses.
pub const LIST_RESPONSE_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
/// Message schema of PATCH requests.
pub const PATCH_OP_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// Message schema of `.search` requests.
pub const SEARCH_REQUEST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
/// Message schema of errors.
pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
/// Schema of the service provider configuration.
pub const SERVICE_PROVIDER_CONFIG_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
/// Schema of resource types.
pub const RESOURCE_TYPE_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
/// Schema of schemas.
pub const SCHEMA_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";

/// The data type of an attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttributeType {
    /// A JSON string.
    String,
    /// A JSON boolean (identity providers also send "True"/"false").
    Boolean,
    /// An object with sub-attributes.
    Complex,
    /// A URI of another resource.
    Reference,
}

impl AttributeType {
    fn as_str(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Boolean => "boolean",
            Self::Complex => "complex",
            Self::Reference => "reference",
        }
    }
}

/// One attribute of a schema.
#[derive(Debug)]
pub struct Attribute {
    /// Its name, as spelled in responses.
    pub name: &'static str,
    /// Its type.
    pub kind: AttributeType,
    /// Whether it holds a list.
    pub multi_valued: bool,
    /// Whether a resource must have it.
    pub required: bool,
    /// Whether string comparisons on it are case-sensitive.
    pub case_exact: bool,
    /// `readWrite`, `readOnly` or `immutable`.
    pub mutability: &'static str,
    /// `always` or `default`.
    pub returned: &'static str,
    /// `none` or `server`.
    pub uniqueness: &'static str,
    /// What it holds, for the admin reading `/Schemas`.
    pub description: &'static str,
    /// Suggested values.
    pub canonical_values: &'static [&'static str],
    /// What a reference may point at.
    pub reference_types: &'static [&'static str],
    /// Sub-attributes of a complex attribute.
    pub sub_attributes: &'static [Attribute],
}

const fn text(name: &'static str, description: &'static str) -> Attribute {
    Attribute {
        name,
        kind: AttributeType::String,
        multi_valued: false,
        required: false,
        case_exact: false,
        mutability: "readWrite",
        returned: "default",
        uniqueness: "none",
        description,
        canonical_values: &[],
        reference_types: &[],
        sub_attributes: &[],
    }
}

impl Attribute {
    /// The sub-attribute called `name` (case-insensitively).
    pub fn sub_attribute(&self, name: &str) -> Option<&'static Attribute> {
        self.sub_attributes.iter().find(|sub| sub.name.eq_ignore_ascii_case(name))
    }

    fn to_json(&self) -> Value {
        let mut attribute = json!({
            "name": self.name,
            "type": self.kind.as_str(),
            "multiValued": self.multi_valued,
            "description": self.description,
            "required": self.required,
            "caseExact": self.case_exact,
            "mutability": self.mutability,
            "returned": self.returned,
            "uniqueness": self.uniqueness,
        });
        if !self.canonical_values.is_empty() {
            attribute["canonicalValues"] = json!(self.canonical_values);
        }
        if !self.reference_types.is_empty() {
            attribute["referenceTypes"] = json!(self.reference_types);
        }
        if !self.sub_attributes.is_empty() {
            attribute["subAttributes"] = Value::Array(self.sub_attributes.iter().map(Attribute::to_json).collect());
        }
        attribute
    }
}

/// A schema: an id (URN) and its attributes.
#[derive(Debug)]
pub struct Schema {
    /// The URN.
    pub id: &'static str,
    /// Short name.
    pub name: &'static str,
    /// What it describes.
    pub description: &'static str,
    /// Its attributes.
    pub attributes: &'static [Attribute],
}

impl Schema {
    /// The attribute called `name` (case-insensitively).
    pub fn attribute(&self, name: &str) -> Option<&'static Attribute> {
        self.attributes.iter().find(|attribute| attribute.name.eq_ignore_ascii_case(name))
    }

    /// The schema as `/Schemas` publishes it; `location` is its URL.
    pub fn to_json(&self, location: &str) -> Value {
        json!({
            "schemas": [SCHEMA_SCHEMA],
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "attributes": self.attributes.iter().map(Attribute::to_json).collect::<Vec<_>>(),
            "meta": { "resourceType": "Schema", "location": location },
        })
    }
}

/// Users: the customer's accounts.
pub static USER: Schema = Schema {
    id: USER_SCHEMA,
    name: "User",
    description: "An account of the customer: a person who receives simulations and training.",
    attributes: &[
        Attribute {
            required: true,
            uniqueness: "server",
            ..text(
                "userName",
                "The account's e-mail address; its domain must be one of the customer's domains. Unique within the \
                 customer, compared case-insensitively.",
            )
        },
        Attribute {
            kind: AttributeType::Complex,
            sub_attributes: &[
                text("formatted", "The full name, formatted for display."),
                text("familyName", "Family name."),
                text("givenName", "Given name."),
            ],
            ..text("name", "The components of the person's name.")
        },
        text("displayName", "How the person is called (1-200 characters); shown in reports."),
        text("title", "Job title."),
        Attribute {
            kind: AttributeType::Complex,
            multi_valued: true,
            sub_attributes: &[
                text("value", "An e-mail address."),
                Attribute { canonical_values: &["work", "home", "other"], ..text("type", "What the address is for.") },
                Attribute {
                    kind: AttributeType::Boolean,
                    ..text("primary", "Whether this is the person's main address.")
                },
            ],
            ..text(
                "emails",
                "E-mail addresses as the directory knows them. Simulations go to userName, which is checked against \
                 the customer's domains; these are kept as sent.",
            )
        },
        Attribute {
            kind: AttributeType::Boolean,
            required: true,
            ..text(
                "active",
                "Whether the account is active: it holds a seat and counts in the month's MAA. false deactivates it \
                 (it still counts in the months it was active in). A user sent without it is created active.",
            )
        },
    ],
};

/// The enterprise extension: the department maps to the account's
/// department.
pub static ENTERPRISE_USER: Schema = Schema {
    id: ENTERPRISE_USER_SCHEMA,
    name: "EnterpriseUser",
    description: "Enterprise attributes of a user.",
    attributes: &[
        text("department", "The account's department (1-100 characters); campaigns and reports group by it."),
        text("employeeNumber", "Employee number."),
    ],
};

/// Groups of the customer's accounts.
pub static GROUP: Schema = Schema {
    id: GROUP_SCHEMA,
    name: "Group",
    description: "A group of the customer's accounts, as its directory has it; campaigns can target it.",
    attributes: &[
        Attribute { required: true, ..text("displayName", "The group's name (1-200 characters).") },
        Attribute {
            kind: AttributeType::Complex,
            multi_valued: true,
            sub_attributes: &[
                Attribute {
                    case_exact: true,
                    mutability: "immutable",
                    ..text("value", "The id of a user of this customer.")
                },
                Attribute {
                    kind: AttributeType::Reference,
                    case_exact: true,
                    mutability: "immutable",
                    reference_types: &["User"],
                    ..text("$ref", "The URL of the user.")
                },
                Attribute {
                    mutability: "immutable",
                    canonical_values: &["User"],
                    ..text("type", "Always User: groups hold users, not groups.")
                },
            ],
            ..text("members", "The group's users.")
        },
    ],
};

/// The kinds of resource served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    /// `/Users`.
    User,
    /// `/Groups`.
    Group,
}

impl ResourceKind {
    /// Both kinds, in the order `/ResourceTypes` lists them.
    pub const ALL: [Self; 2] = [Self::User, Self::Group];

    /// The core schema.
    pub fn schema(self) -> &'static Schema {
        match self {
            Self::User => &USER,
            Self::Group => &GROUP,
        }
    }

    /// The schema extensions.
    pub fn extensions(self) -> &'static [&'static Schema] {
        static USER_EXTENSIONS: [&Schema; 1] = [&ENTERPRISE_USER];
        match self {
            Self::User => &USER_EXTENSIONS,
            Self::Group => &[],
        }
    }

    /// The resource type's name (`User`, `Group`).
    pub fn name(self) -> &'static str {
        self.schema().name
    }

    /// The collection's path segment (`Users`, `Groups`).
    pub fn endpoint(self) -> &'static str {
        match self {
            Self::User => "Users",
            Self::Group => "Groups",
        }
    }

    /// The extension with this URN (case-insensitively).
    pub fn extension(self, urn: &str) -> Option<&'static Schema> {
        self.extensions().iter().copied().find(|schema| schema.id.eq_ignore_ascii_case(urn))
    }

    /// The resource type as `/ResourceTypes` publishes it.
    pub fn resource_type_json(self, location: &str) -> Value {
        json!({
            "schemas": [RESOURCE_TYPE_SCHEMA],
            "id": self.name(),
            "name": self.name(),
            "endpoint": format!("/{}", self.endpoint()),
            "description": self.schema().description,
            "schema": self.schema().id,
            "schemaExtensions": self.extensions().iter()
                .map(|schema| json!({ "schema": schema.id, "required": false }))
                .collect::<Vec<_>>(),
            "meta": { "resourceType": "ResourceType", "location": location },
        })
    }

    /// Where `path` points: the schema it belongs to (`None` for the common
    /// attributes `id`, `externalId` and `meta`) and the attribute; `None`
    /// when this kind has no such attribute.
    pub fn resolve(self, path: &AttrPath) -> Option<(Option<&'static Schema>, Option<&'static Attribute>)> {
        let schema = match &path.schema {
            Some(urn) if urn.eq_ignore_ascii_case(self.schema().id) => self.schema(),
            Some(urn) => self.extension(urn)?,
            None => {
                if ["id", "externalId", "meta"].iter().any(|common| common.eq_ignore_ascii_case(&path.name)) {
                    return Some((None, None));
                }
                self.schema()
            }
        };
        schema.attribute(&path.name).map(|attribute| (Some(schema), Some(attribute)))
    }

    /// Whether string comparisons on `path` are case-sensitive: as the
    /// schema says; `id` and `externalId` are, `meta` values are not.
    pub fn case_exact(self, path: &AttrPath) -> bool {
        match self.resolve(path) {
            Some((_, Some(attribute))) => match &path.sub {
                Some(sub) => attribute.sub_attribute(sub).is_some_and(|sub| sub.case_exact),
                None => attribute.case_exact,
            },
            Some((None, None)) => !path.name.eq_ignore_ascii_case("meta"),
            _ => false,
        }
    }
}

/// Every schema served at `/Schemas`.
pub fn all_schemas() -> [&'static Schema; 3] {
    [&USER, &ENTERPRISE_USER, &GROUP]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(schema: Option<&str>, name: &str, sub: Option<&str>) -> AttrPath {
        AttrPath { schema: schema.map(str::to_owned), name: name.to_owned(), sub: sub.map(str::to_owned) }
    }

    #[test]
    fn attribute_names_resolve_case_insensitively_and_through_their_schema() {
        let user = ResourceKind::User;
        assert!(
            matches!(user.resolve(&path(None, "USERNAME", None)), Some((Some(_), Some(a))) if a.name == "userName")
        );
        assert!(matches!(
            user.resolve(&path(Some(ENTERPRISE_USER_SCHEMA), "department", None)),
            Some((Some(s), Some(a))) if s.id == ENTERPRISE_USER_SCHEMA && a.name == "department"
        ));
        assert!(matches!(user.resolve(&path(Some(USER_SCHEMA), "displayName", None)), Some((Some(_), Some(_)))));
        assert_eq!(user.resolve(&path(None, "department", None)).map(|_| ()), None);
        assert_eq!(user.resolve(&path(Some("urn:example:unknown"), "x", None)).map(|_| ()), None);
        assert!(matches!(user.resolve(&path(None, "externalId", None)), Some((None, None))));
    }

    #[test]
    fn case_exactness_follows_the_schema() {
        let user = ResourceKind::User;
        assert!(!user.case_exact(&path(None, "userName", None)));
        assert!(!user.case_exact(&path(None, "emails", Some("value"))));
        assert!(user.case_exact(&path(None, "externalId", None)));
        assert!(user.case_exact(&path(None, "id", None)));
        assert!(!user.case_exact(&path(None, "meta", Some("lastModified"))));
        assert!(ResourceKind::Group.case_exact(&path(None, "members", Some("value"))));
    }

    #[test]
    fn published_schemas_carry_their_attributes() {
        let user = USER.to_json("https://example.test/Schemas/x");
        let names: Vec<&str> =
            user["attributes"].as_array().into_iter().flatten().filter_map(|a| a["name"].as_str()).collect();
        assert_eq!(names, ["userName", "name", "displayName", "title", "emails", "active"]);
        assert_eq!(user["attributes"][0]["uniqueness"], "server");
        let group = ResourceKind::Group.resource_type_json("x");
        assert_eq!(group["endpoint"], "/Groups");
    }
}
