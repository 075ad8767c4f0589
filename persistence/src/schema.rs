//! The diesel view of the schema in `migrations/`. Both backends share it.

diesel::table! {
    msps (id) {
        id -> Text,
        name -> Text,
        created_at -> Timestamp,
        max_organizations -> BigInt,
        seat_pool_total -> BigInt,
        seat_pool_renewal_date -> Nullable<Date>,
        max_global_users -> BigInt,
        max_local_users -> BigInt,
        updated_at -> Timestamp,
        customer_count -> BigInt,
        seat_pool_allocated -> BigInt,
        seat_pool_warning_percent -> BigInt,
        active_global_users -> BigInt,
        active_local_users -> BigInt,
        click_delay_seconds -> BigInt,
        allowed_sources -> Text,
        denied_sources -> Text,
        result_retention_days -> Nullable<BigInt>,
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
        permissions -> Text,
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
        billing_reference -> Nullable<Text>,
        timezone -> Text,
        language -> Text,
        sector -> Nullable<Text>,
        location -> Nullable<Text>,
        tier -> Text,
        seats -> BigInt,
        max_mau -> BigInt,
        license_expires_on -> Nullable<Date>,
        status -> Text,
        version -> BigInt,
        sort_name -> Text,
        seats_changed_at -> Nullable<Timestamp>,
        seats_changed_by -> Nullable<Text>,
        active_accounts -> BigInt,
        went_live_at -> Nullable<Timestamp>,
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

diesel::table! {
    password_tokens (id) {
        id -> Text,
        msp_id -> Text,
        admin_id -> Text,
        purpose -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    api_keys (id) {
        id -> Text,
        msp_id -> Text,
        created_by -> Text,
        name -> Text,
        prefix -> Text,
        secret_hash -> Text,
        scopes -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        expires_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    platform_operators (id) {
        id -> Text,
        email -> Text,
        password_hash -> Text,
        disabled_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    customer_sessions (id) {
        id -> Text,
        msp_id -> Text,
        customer_id -> Text,
        admin_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Text,
        msp_id -> Text,
        occurred_at -> Timestamp,
        actor_type -> Text,
        actor_id -> Text,
        actor_label -> Text,
        impersonated_customer_id -> Nullable<Text>,
        action -> Text,
        target_type -> Text,
        target_id -> Text,
        before_state -> Nullable<Text>,
        after_state -> Nullable<Text>,
        request_id -> Nullable<Text>,
        client_addr -> Nullable<Text>,
    }
}

diesel::table! {
    jobs (id) {
        id -> Text,
        kind -> Text,
        payload -> Text,
        unique_key -> Nullable<Text>,
        status -> Text,
        run_at -> Timestamp,
        attempts -> BigInt,
        max_attempts -> BigInt,
        lease_owner -> Nullable<Text>,
        lease_expires_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    idempotency_keys (scope, idempotency_key) {
        scope -> Text,
        idempotency_key -> Text,
        fingerprint -> Text,
        state -> Text,
        holder -> Text,
        lease_expires_at -> Nullable<Timestamp>,
        response_status -> Nullable<BigInt>,
        response_headers -> Nullable<Text>,
        response_body -> Nullable<Binary>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    email_outbox (id) {
        id -> Text,
        msp_id -> Text,
        recipient -> Text,
        subject -> Text,
        body -> Text,
        created_at -> Timestamp,
        attempts -> BigInt,
        next_attempt_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        sent_at -> Nullable<Timestamp>,
        failed_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
    }
}

diesel::table! {
    login_throttles (throttle_key) {
        throttle_key -> Text,
        failures -> BigInt,
        first_failure_at -> Timestamp,
        last_failure_at -> Timestamp,
    }
}

diesel::table! {
    customer_groups (id) {
        id -> Text,
        msp_id -> Text,
        name -> Text,
        sort_name -> Text,
        description -> Text,
        kind -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    customer_group_members (group_id, customer_id) {
        msp_id -> Text,
        group_id -> Text,
        customer_id -> Text,
        added_at -> Timestamp,
    }
}

diesel::table! {
    seat_expansion_requests (id) {
        id -> Text,
        msp_id -> Text,
        seats -> BigInt,
        reason -> Text,
        status -> Text,
        requested_by -> Text,
        requested_at -> Timestamp,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        decision_note -> Nullable<Text>,
    }
}

diesel::table! {
    accounts (id) {
        id -> Text,
        msp_id -> Text,
        customer_id -> Nullable<Text>,
        email -> Text,
        display_name -> Nullable<Text>,
        department -> Nullable<Text>,
        external_id -> Nullable<Text>,
        status -> Text,
        last_active_month -> Nullable<Date>,
        status_changed_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        scim_attributes -> Nullable<Text>,
    }
}

diesel::table! {
    account_status_changes (id) {
        id -> Text,
        account_id -> Text,
        msp_id -> Text,
        status -> Text,
        changed_at -> Timestamp,
        changed_by -> Text,
    }
}

diesel::table! {
    maa_tallies (msp_id, month, organization_id) {
        msp_id -> Text,
        month -> Date,
        organization_id -> Text,
        net_change -> BigInt,
        newly_counted -> BigInt,
    }
}

diesel::table! {
    maa_orders (id) {
        id -> Text,
        msp_id -> Text,
        sku -> Text,
        sku_name -> Text,
        quantity -> BigInt,
        maa_per_unit -> BigInt,
        term_months -> BigInt,
        starts_month -> Date,
        ordered_at -> Timestamp,
        ordered_by -> Text,
    }
}

diesel::joinable!(admins -> msps (msp_id));
diesel::joinable!(api_keys -> admins (created_by));
diesel::joinable!(customer_sessions -> admins (admin_id));
diesel::joinable!(password_tokens -> admins (admin_id));
diesel::joinable!(customer_domains -> customers (customer_id));
diesel::joinable!(customer_group_members -> customers (customer_id));
diesel::joinable!(customer_group_members -> customer_groups (group_id));
diesel::joinable!(accounts -> customers (customer_id));
diesel::table! {
    scim_connections (customer_id) {
        customer_id -> Text,
        msp_id -> Text,
        token_prefix -> Text,
        token_hash -> Text,
        token_created_at -> Timestamp,
        token_created_by -> Text,
        last_success_at -> Nullable<Timestamp>,
        last_failure_at -> Nullable<Timestamp>,
        last_failure_status -> Nullable<Integer>,
        last_failure_detail -> Nullable<Text>,
        accounts_created -> BigInt,
        accounts_updated -> BigInt,
        accounts_deactivated -> BigInt,
        accounts_deleted -> BigInt,
    }
}

diesel::table! {
    account_groups (id) {
        id -> Text,
        msp_id -> Text,
        customer_id -> Text,
        display_name -> Text,
        external_id -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    account_group_members (group_id, account_id) {
        group_id -> Text,
        account_id -> Text,
    }
}

diesel::table! {
    onboarding_steps (customer_id, step) {
        customer_id -> Text,
        msp_id -> Text,
        step -> Text,
        saved_values -> Text,
        skipped -> Bool,
        refusal -> Nullable<Text>,
        saved_at -> Timestamp,
        saved_by -> Text,
    }
}

diesel::table! {
    customer_logos (customer_id) {
        customer_id -> Text,
        msp_id -> Text,
        content_type -> Text,
        width -> BigInt,
        height -> BigInt,
        sha256 -> Text,
        content -> Binary,
        uploaded_at -> Timestamp,
        uploaded_by -> Text,
    }
}

diesel::table! {
    delivery_tests (id) {
        id -> Text,
        msp_id -> Text,
        customer_id -> Text,
        recipient -> Text,
        token_hash -> Text,
        status -> Text,
        relay_response -> Nullable<Text>,
        created_at -> Timestamp,
        created_by -> Text,
        confirmed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    phishing_scenarios (id) {
        id -> Text,
        msp_id -> Text,
        name -> Text,
        category -> Text,
        difficulty -> BigInt,
        sender_name -> Text,
        sender_local_part -> Text,
        landing_page -> Text,
        languages -> Text,
        content -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    campaigns (id) {
        id -> Text,
        msp_id -> Text,
        customer_id -> Text,
        kind -> Text,
        name -> Text,
        status -> Text,
        language -> Text,
        scenario_ids -> Text,
        targets -> Text,
        schedule -> Text,
        seed -> BigInt,
        starts_at -> Timestamp,
        ends_at -> Nullable<Timestamp>,
        first_send_at -> Nullable<Timestamp>,
        last_send_at -> Nullable<Timestamp>,
        recipient_count -> BigInt,
        version -> BigInt,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        launched_at -> Nullable<Timestamp>,
        started_at -> Nullable<Timestamp>,
        paused_at -> Nullable<Timestamp>,
        completed_at -> Nullable<Timestamp>,
        cancelled_at -> Nullable<Timestamp>,
        delivery_problem -> Nullable<Text>,
        delivery_problem_since -> Nullable<Timestamp>,
        report -> Nullable<Text>,
    }
}

diesel::table! {
    campaign_recipients (id) {
        id -> Text,
        msp_id -> Text,
        campaign_id -> Text,
        account_id -> Text,
        email -> Text,
        display_name -> Nullable<Text>,
        department -> Nullable<Text>,
        scenario_id -> Text,
        planned_at -> Timestamp,
        created_at -> Timestamp,
        delivery -> Text,
        due_at -> Nullable<Timestamp>,
        attempts -> BigInt,
        claimed_by -> Nullable<Text>,
        claimed_until -> Nullable<Timestamp>,
        sent_at -> Nullable<Timestamp>,
        failed_at -> Nullable<Timestamp>,
        relay_answer -> Nullable<Text>,
        opened_at -> Nullable<Timestamp>,
        opened_any_at -> Nullable<Timestamp>,
        clicked_at -> Nullable<Timestamp>,
        clicked_any_at -> Nullable<Timestamp>,
        submitted_at -> Nullable<Timestamp>,
        submitted_any_at -> Nullable<Timestamp>,
        reported_at -> Nullable<Timestamp>,
        prone_at -> Nullable<Timestamp>,
        event_counts -> Text,
        report_seconds -> Nullable<BigInt>,
        erased_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    campaign_events (id) {
        id -> Text,
        msp_id -> Text,
        campaign_id -> Text,
        recipient_id -> Text,
        kind -> Text,
        classification -> Text,
        reasons -> Text,
        occurred_at -> Timestamp,
        late -> Bool,
        source_address -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        field_names -> Nullable<Text>,
        reported_via -> Nullable<Text>,
        reclassified_by -> Nullable<Text>,
        reclassified_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    campaign_counters (campaign_id, dimension, key) {
        msp_id -> Text,
        campaign_id -> Text,
        dimension -> Text,
        key -> Text,
        recipients -> BigInt,
        sent -> BigInt,
        failed -> BigInt,
        opened -> BigInt,
        opened_any -> BigInt,
        clicked -> BigInt,
        clicked_any -> BigInt,
        submitted -> BigInt,
        submitted_any -> BigInt,
        reported -> BigInt,
        phish_prone -> BigInt,
        events_human -> BigInt,
        events_automated -> BigInt,
    }
}

diesel::joinable!(campaign_recipients -> campaigns (campaign_id));
diesel::joinable!(campaign_events -> campaign_recipients (recipient_id));
diesel::joinable!(campaign_recipients -> msps (msp_id));
diesel::joinable!(campaigns -> customers (customer_id));
diesel::joinable!(account_status_changes -> accounts (account_id));
diesel::joinable!(account_group_members -> account_groups (group_id));
diesel::joinable!(account_group_members -> accounts (account_id));
diesel::allow_tables_to_appear_in_same_query!(
    msps,
    admins,
    refresh_tokens,
    customers,
    customer_domains,
    password_tokens,
    api_keys,
    platform_operators,
    customer_sessions,
    audit_events,
    email_outbox,
    jobs,
    idempotency_keys,
    login_throttles,
    customer_groups,
    customer_group_members,
    seat_expansion_requests,
    accounts,
    account_status_changes,
    maa_tallies,
    maa_orders,
    scim_connections,
    account_groups,
    account_group_members,
    onboarding_steps,
    customer_logos,
    delivery_tests,
    phishing_scenarios,
    campaigns,
    campaign_recipients,
    campaign_events,
    campaign_counters,
);
