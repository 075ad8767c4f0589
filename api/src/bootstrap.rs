//! `msp-portal bootstrap`: the first MSP and its owner admin.

use domain::access::ExtraPermissions;
use domain::admins::{AdminRole, NewPassword, PasswordError};
use domain::audit::AuditAction;
use domain::email::{EmailAddress, EmailError};
use domain::msps::{MspLimits, MspName, NameError};
use persistence::admins::{AdminRecord, NewAdmin};
use persistence::audit::AuditEventRecord;
use persistence::database::DieselError;
use persistence::error::Retryable;
use persistence::msps::MspRecord;
use persistence::operators::OperatorRecord;
use persistence::transactions::write_transaction;
use persistence::{DbConnection, StoreError};
use rand::Rng;
use rand::distributions::Alphanumeric;

use crate::auth::passwords;

/// What bootstrapping made.
#[derive(Debug)]
pub struct Bootstrapped {
    /// The new MSP.
    pub msp: MspRecord,
    /// Its owner.
    pub owner: AdminRecord,
    /// The password, when it was generated rather than given: shown once.
    pub generated_password: Option<String>,
}

/// Why bootstrapping failed.
#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    /// The MSP name is unusable.
    #[error("invalid MSP name: {0}")]
    InvalidName(NameError),
    /// The owner e-mail is unusable.
    #[error("invalid owner e-mail: {0}")]
    InvalidEmail(EmailError),
    /// The given password breaks the policy; `variable` is where it came from.
    #[error("{variable} {reason}")]
    WeakPassword {
        /// The environment variable that held the password.
        variable: &'static str,
        /// What the policy says about it.
        reason: PasswordError,
    },
    /// An MSP of that name exists.
    #[error("an MSP named '{0}' already exists; nothing was created")]
    MspExists(String),
    /// An admin (or operator) with that e-mail exists.
    #[error("an account with e-mail {0} already exists; nothing was created")]
    EmailTaken(String),
    /// Hashing failed.
    #[error("password hashing failed: {0}")]
    Hash(String),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<DieselError> for BootstrapError {
    fn from(error: DieselError) -> Self {
        Self::Store(error.into())
    }
}

impl Retryable for BootstrapError {
    fn is_retryable(&self) -> bool {
        matches!(self, Self::Store(e) if e.is_retryable())
    }
}

/// Length of a generated owner password.
const GENERATED_PASSWORD_CHARS: usize = 24;

/// Where `bootstrap` reads the owner's password from.
pub const OWNER_PASSWORD_VARIABLE: &str = "MSP_PORTAL_OWNER_PASSWORD";
/// Where `bootstrap-operator` reads the operator's password from.
pub const OPERATOR_PASSWORD_VARIABLE: &str = "MSP_PORTAL_OPERATOR_PASSWORD";

/// Creates the MSP `msp_name` with `limits` and its owner `owner_email`, with
/// `password` or a generated one, in one transaction. Refuses a name or e-mail
/// in use.
pub fn bootstrap(
    conn: &mut DbConnection,
    msp_name: &str,
    owner_email: &str,
    password: Option<String>,
    limits: &MspLimits,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Bootstrapped, BootstrapError> {
    let name = MspName::parse(msp_name).map_err(BootstrapError::InvalidName)?;
    let email = EmailAddress::parse(owner_email).map_err(BootstrapError::InvalidEmail)?;
    let (password, generated) = match password {
        Some(given) => (
            NewPassword::parse(&given, &email)
                .map_err(|reason| BootstrapError::WeakPassword { variable: OWNER_PASSWORD_VARIABLE, reason })?,
            false,
        ),
        None => (generate_password(&email), true),
    };
    let hash = passwords::hash(password.expose()).map_err(|e| BootstrapError::Hash(e.to_string()))?;
    let (msp, owner) = write_transaction(conn, |tx| {
        if persistence::msps::name_taken(tx, &name)? {
            return Err(BootstrapError::MspExists(name.to_string()));
        }
        if persistence::admins::email_taken(tx, &email)? {
            return Err(BootstrapError::EmailTaken(email.to_string()));
        }
        let msp = persistence::msps::insert(tx, &name, limits, now).map_err(|e| match e {
            StoreError::UniqueViolation(_) => BootstrapError::MspExists(name.to_string()),
            other => other.into(),
        })?;
        let extras = ExtraPermissions::none();
        let new = NewAdmin { email: &email, role: AdminRole::Owner, permissions: &extras, password_hash: &hash };
        let owner = persistence::admins::insert(tx, &msp.id, &new, now).map_err(|e| match e {
            StoreError::UniqueViolation(_) => BootstrapError::EmailTaken(email.to_string()),
            other => other.into(),
        })?;
        let after = serde_json::json!({ "name": msp.name, "owner_email": owner.email });
        persistence::audit::insert(tx, &system_event(&msp.id, AuditAction::MspCreated, &msp.id, &after, now))?;
        Ok((msp, owner))
    })?;
    Ok(Bootstrapped { msp, owner, generated_password: generated.then(|| password.expose().to_owned()) })
}

/// An audit event of the command line (actor type `system`).
fn system_event(
    msp_id: &str,
    action: AuditAction,
    target_id: &str,
    after: &serde_json::Value,
    at: chrono::DateTime<chrono::Utc>,
) -> AuditEventRecord {
    AuditEventRecord {
        id: persistence::new_id(),
        msp_id: msp_id.to_owned(),
        occurred_at: at.naive_utc(),
        actor_type: domain::audit::ActorType::System.as_str().to_owned(),
        actor_id: "msp-portal-cli".to_owned(),
        actor_label: "msp-portal bootstrap".to_owned(),
        impersonated_customer_id: None,
        action: action.as_str().to_owned(),
        target_type: action.target_type().to_owned(),
        target_id: target_id.to_owned(),
        before_state: None,
        after_state: Some(after.to_string()),
        request_id: None,
        client_addr: None,
    }
}

/// What `bootstrap-operator` made.
#[derive(Debug)]
pub struct BootstrappedOperator {
    /// The operator.
    pub operator: OperatorRecord,
    /// The password, when generated: shown once.
    pub generated_password: Option<String>,
}

/// Creates a platform operator with `password` or a generated one. Refuses an
/// e-mail in use by another operator.
pub fn bootstrap_operator(
    conn: &mut DbConnection,
    email: &str,
    password: Option<String>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<BootstrappedOperator, BootstrapError> {
    let email = EmailAddress::parse(email).map_err(BootstrapError::InvalidEmail)?;
    let (password, generated) = match password {
        Some(given) => (
            NewPassword::parse(&given, &email)
                .map_err(|reason| BootstrapError::WeakPassword { variable: OPERATOR_PASSWORD_VARIABLE, reason })?,
            false,
        ),
        None => (generate_password(&email), true),
    };
    let hash = passwords::hash(password.expose()).map_err(|e| BootstrapError::Hash(e.to_string()))?;
    let operator = write_transaction(conn, |tx| {
        if persistence::operators::find_by_email(tx, &email)?.is_some() {
            return Err(BootstrapError::EmailTaken(email.to_string()));
        }
        persistence::operators::insert(tx, &email, &hash, now).map_err(|e| match e {
            StoreError::UniqueViolation(_) => BootstrapError::EmailTaken(email.to_string()),
            other => other.into(),
        })
    })?;
    Ok(BootstrappedOperator { operator, generated_password: generated.then(|| password.expose().to_owned()) })
}

fn generate_password(email: &EmailAddress) -> NewPassword {
    loop {
        let candidate: String =
            rand::rngs::OsRng.sample_iter(&Alphanumeric).take(GENERATED_PASSWORD_CHARS).map(char::from).collect();
        if let Ok(password) = NewPassword::parse(&candidate, email) {
            return password;
        }
    }
}
