//! Account lookups the app API makes, and what an ActiveSync server negotiated when the account
//! connected (protocol version and policy key, kept for the next start). The account row itself
//! is written in `store/mod.rs`.

use super::Store;
use crate::error::CoreError;

impl Store {
    /// The ActiveSync version negotiated with an account, if the account is known.
    pub async fn account_protocol_version(
        &self,
        server_url: &str,
        username: &str,
    ) -> Result<Option<String>, CoreError> {
        Ok(sqlx::query_scalar(
            "SELECT protocol_version FROM account WHERE server_url = ?1 AND username = ?2",
        )
        .bind(server_url)
        .bind(username)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The server URL and user name of an account; a storage error when there is no such row.
    pub async fn account_login(&self, account_id: i64) -> Result<(String, String), CoreError> {
        Ok(
            sqlx::query_as("SELECT server_url, username FROM account WHERE id = ?1")
                .bind(account_id)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// Records the protocol version and policy key the server negotiated for an account.
    pub async fn record_negotiated(
        &self,
        account_id: i64,
        protocol_version: &str,
        policy_key: &str,
    ) -> Result<(), CoreError> {
        sqlx::query("UPDATE account SET protocol_version = ?1, policy_key = ?2 WHERE id = ?3")
            .bind(protocol_version)
            .bind(policy_key)
            .bind(account_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
