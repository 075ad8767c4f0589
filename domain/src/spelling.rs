//! Enums that the API and storage spell as fixed lower-case words.

/// Declares a fieldless enum with its spelling: `ALL` (in declaration order),
/// `as_str`, `Display` and `FromStr` (exact spelling only).
macro_rules! spelled_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $spelling:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The spelling in the API and in storage.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $spelling),+
                }
            }

            /// Every spelling, in declaration order: what the contract lists.
            pub fn spellings() -> Vec<&'static str> {
                Self::ALL.iter().map(|value| value.as_str()).collect()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        /// Storage reads a spelling back (diesel's `deserialize_as`).
        impl TryFrom<String> for $name {
            type Error = $crate::spelling::UnknownSpelling;

            fn try_from(raw: String) -> Result<Self, Self::Error> {
                raw.parse()
            }
        }

        /// Storage writes the spelling (diesel's `serialize_as`).
        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.as_str().to_owned()
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::spelling::UnknownSpelling;

            fn from_str(raw: &str) -> Result<Self, Self::Err> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|value| value.as_str() == raw)
                    .ok_or_else(|| $crate::spelling::UnknownSpelling { expected: Self::spellings().join(", ") })
            }
        }
    };
}

pub(crate) use spelled_enum;

/// A word that is not one of an enum's spellings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be one of: {expected}")]
pub struct UnknownSpelling {
    /// The accepted spellings, comma-separated.
    pub expected: String,
}
