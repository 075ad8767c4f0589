//! The diesel view of the schema in `migrations/`. Both backends share it.

diesel::table! {
    msps (id) {
        id -> Text,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    admins (id) {
        id -> Text,
        msp_id -> Text,
        email -> Text,
        role -> Text,
        password_hash -> Text,
        disabled_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Text,
        msp_id -> Text,
        admin_id -> Text,
        family_id -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        rotated_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    customers (id) {
        id -> Text,
        msp_id -> Text,
        name -> Text,
        country -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    customer_domains (msp_id, domain) {
        msp_id -> Text,
        domain -> Text,
        customer_id -> Text,
        position -> Integer,
    }
}

diesel::joinable!(admins -> msps (msp_id));
diesel::joinable!(customer_domains -> customers (customer_id));
diesel::allow_tables_to_appear_in_same_query!(msps, admins, refresh_tokens, customers, customer_domains);
