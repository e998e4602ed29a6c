//! How the app API names an event (its row id) mapped to how the cache keys it (calendar and
//! remote id).

use super::Store;
use crate::error::CoreError;

impl Store {
    /// The calendar id and remote id of the event row `event_id`, if there is one.
    pub async fn event_key(&self, event_id: i64) -> Result<Option<(i64, String)>, CoreError> {
        let sql = "SELECT calendar_id, remote_id FROM event WHERE id = ?1";
        Ok(sqlx::query_as(sql)
            .bind(event_id)
            .fetch_optional(&self.pool)
            .await?)
    }
}
