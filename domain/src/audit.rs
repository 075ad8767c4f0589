//! The audit log: who changed what, when.

use std::fmt;
use std::str::FromStr;

/// The kind of caller behind a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActorType {
    /// An admin of the MSP, signed in.
    Admin,
    /// An API key of the MSP.
    ApiKey,
    /// A platform operator.
    Operator,
    /// An admin acting inside one customer ("log in as"); the actor is the
    /// admin, and the event names the customer.
    Impersonation,
    /// The system itself (command-line bootstrap, background jobs).
    System,
    /// A customer's identity provider, through SCIM with the customer's
    /// token.
    Scim,
}

impl ActorType {
    /// Every actor type.
    pub const ALL: [Self; 6] =
        [Self::Admin, Self::ApiKey, Self::Operator, Self::Impersonation, Self::System, Self::Scim];

    /// The spelling in the API and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::ApiKey => "api_key",
            Self::Operator => "operator",
            Self::Impersonation => "impersonation",
            Self::System => "system",
            Self::Scim => "scim",
        }
    }
}

impl fmt::Display for ActorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A spelling that names no actor type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown actor type '{0}'; allowed: admin, api_key, operator, impersonation, system, scim")]
pub struct UnknownActorType(pub String);

impl FromStr for ActorType {
    type Err = UnknownActorType;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|a| a.as_str() == s).ok_or_else(|| UnknownActorType(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actor_types_round_trip() {
        for actor in ActorType::ALL {
            assert_eq!(actor.as_str().parse::<ActorType>(), Ok(actor));
        }
        assert!("root".parse::<ActorType>().is_err());
    }
}
