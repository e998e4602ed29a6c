//! Folder lookups by kind (the hierarchy itself is written in `store/mod.rs`).

use super::Store;
use crate::error::CoreError;

impl Store {
    /// The ServerId of the account's Drafts folder (ActiveSync folder type 3), the lowest one
    /// if there are several.
    pub async fn drafts_folder_id(&self, account_id: i64) -> Result<Option<String>, CoreError> {
        Ok(sqlx::query_scalar(
            "SELECT server_id FROM folder WHERE account_id = ?1 AND folder_type = 3
             ORDER BY server_id LIMIT 1",
        )
        .bind(account_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The ActiveSync folder type of a cached folder, if the folder is known.
    pub async fn folder_type(
        &self,
        account_id: i64,
        server_id: &str,
    ) -> Result<Option<i64>, CoreError> {
        Ok(sqlx::query_scalar(
            "SELECT folder_type FROM folder WHERE account_id = ?1 AND server_id = ?2",
        )
        .bind(account_id)
        .bind(server_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Name and ActiveSync folder type of a cached folder, if the folder is known.
    pub async fn folder_name_and_type(
        &self,
        account_id: i64,
        server_id: &str,
    ) -> Result<Option<(String, i64)>, CoreError> {
        Ok(sqlx::query_as(
            "SELECT display_name, folder_type FROM folder WHERE account_id = ?1 AND server_id = ?2",
        )
        .bind(account_id)
        .bind(server_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The addresses the user has written to (To and Cc of the messages in Sent Items,
    /// ActiveSync folder type 5), in lower case: the "from people I know" filter.
    pub async fn correspondents(&self, account_id: i64) -> Result<Vec<String>, CoreError> {
        Ok(sqlx::query_scalar(
            "SELECT DISTINCT lower(json_extract(j.value, '$.addr'))
             FROM message m JOIN folder f
               ON f.account_id = m.account_id AND f.server_id = m.folder_id AND f.folder_type = 5,
             json_each(m.to_json) j
             WHERE m.account_id = ?1 AND json_extract(j.value, '$.addr') != ''
             UNION
             SELECT lower(json_extract(j.value, '$.addr'))
             FROM message m JOIN folder f
               ON f.account_id = m.account_id AND f.server_id = m.folder_id AND f.folder_type = 5,
             json_each(m.cc_json) j
             WHERE m.account_id = ?1 AND json_extract(j.value, '$.addr') != ''",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?)
    }
}
