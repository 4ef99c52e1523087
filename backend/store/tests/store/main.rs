//! Behaviour tests of the store. Each behaviour is one async function over a [`TestDb`] and
//! runs twice: against SQLite in a temp dir and against a throwaway PostgreSQL 15 server that
//! the test owns (tests run in parallel, nothing is shared).

mod accounts;
mod alerting;
mod dashboards;
mod harness;
mod lifecycle;
mod outbox;
mod silences;
mod sqlite;

use harness::TestDb;

/// Generates `sqlite::<name>` and `postgres::<name>` tests calling `<module>::<name>(db)`.
macro_rules! on_both_backends {
    ($($module:ident :: $name:ident),* $(,)?) => {
        mod on_sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    crate::$module::$name(crate::TestDb::sqlite().await).await;
                }
            )*
        }
        mod on_postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    crate::$module::$name(crate::TestDb::postgres().await).await;
                }
            )*
        }
    };
}

on_both_backends!(
    lifecycle::migrations_are_idempotent_on_reopen,
    lifecycle::data_survives_reopen,
    lifecycle::ping_fails_after_close,
    dashboards::new_dashboard_gets_version_one_and_an_id,
    dashboards::update_keeps_the_id_and_bumps_the_version,
    dashboards::stale_expected_version_is_rejected,
    dashboards::overwrite_saves_over_a_stale_version,
    dashboards::next_version_counts_from_one,
    dashboards::versions_are_listed_newest_first,
    dashboards::delete_removes_the_dashboard_and_its_versions,
    dashboards::list_is_sorted_by_title_and_keeps_tags_and_folder,
    dashboards::concurrent_saves_each_get_their_own_version,
    accounts::users_are_created_found_changed_and_listed,
    accounts::duplicate_login_is_a_conflict,
    accounts::deleting_a_user_ends_their_sessions,
    accounts::api_keys_are_created_found_touched_and_deleted,
    accounts::duplicate_api_key_name_is_a_conflict,
    accounts::sessions_expire_and_are_pruned,
    accounts::session_for_an_unknown_user_is_rejected,
    silences::silences_are_put_replaced_listed_and_deleted,
    silences::silences_survive_reopen,
    alerting::rule_states_are_put_replaced_and_listed,
    alerting::rule_states_of_removed_rules_are_deleted,
    alerting::transitions_are_recorded_with_their_state,
    alerting::history_is_filtered_and_listed_newest_first,
    alerting::history_listing_is_capped,
    alerting::history_nan_is_stored_as_null,
    alerting::history_is_pruned_by_age,
    alerting::notify_log_is_put_replaced_listed_and_pruned,
    alerting::alerting_state_survives_reopen,
    outbox::outbox_item_is_retried_then_delivered,
    outbox::outbox_failed_item_is_kept_and_not_retried,
    outbox::outbox_list_is_filtered_and_newest_first,
    outbox::outbox_prune_keeps_pending_and_recent,
    outbox::concurrent_senders_settle_each_item_once,
);
