//! Contract schemas of text fields stated from the domain's own rules, so
//! that what the contract allows is exactly what the server accepts.

use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};

/// A name-like text: 1 to `max` characters, no control characters, not blank
/// (`domain::text::NAME_PATTERN`).
pub fn text_schema(description: &'static str, max: usize, example: &'static str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .min_length(Some(1))
        .max_length(Some(max))
        .pattern(Some(domain::text::NAME_PATTERN))
        .examples([example])
}

/// The same text, where `null` clears it.
pub fn clearable_text_schema(description: &'static str, max: usize, example: &'static str) -> ObjectBuilder {
    text_schema(description, max, example).schema_type(SchemaType::from_iter([Type::String, Type::Null]))
}
