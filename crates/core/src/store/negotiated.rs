//! What an ActiveSync server negotiated when the account connected (protocol version and
//! policy key), kept on the account row for the next start.

use super::Store;
use crate::error::CoreError;

impl Store {
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
