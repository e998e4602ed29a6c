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

    /// The address book of the cached mail: senders and recipients of the newest 20,000
    /// messages whose address, name or a word of the name starts with `query` (any case;
    /// everything for an empty query), with how many of those messages name them, most used
    /// first. Returns `(name, address, uses)`; the name is the one last seen (a name that is
    /// only the address counts as none).
    pub async fn address_book(
        &self,
        account_id: i64,
        query: &str,
        limit: u32,
    ) -> Result<Vec<(String, String, i64)>, CoreError> {
        let q = query.to_lowercase().replace(['%', '_', '\\'], "");
        let rows: Vec<(String, String, i64, i64)> = sqlx::query_as(
            "WITH recent AS (
               SELECT date, from_name, from_addr, to_json, cc_json FROM message
               WHERE account_id = ?1 ORDER BY date DESC LIMIT 20000),
             every(date, name, addr) AS (
               SELECT date, from_name, from_addr FROM recent
               UNION ALL
               SELECT r.date, json_extract(j.value, '$.name'), json_extract(j.value, '$.addr')
                 FROM recent r, json_each(r.to_json) j
               UNION ALL
               SELECT r.date, json_extract(j.value, '$.name'), json_extract(j.value, '$.addr')
                 FROM recent r, json_each(r.cc_json) j)
             -- SQLite takes a bare column (the name) from the row of the one max(): the
             -- newest row that has a name.
             SELECT coalesce(e.name, ''), lower(e.addr), count(*) AS uses,
                    max(CASE WHEN e.name != '' AND lower(e.name) != lower(e.addr)
                             THEN e.date ELSE -9223372036854775807 END)
             FROM every e
             WHERE e.addr LIKE '%@%'
               AND (?2 = '' OR lower(e.addr) LIKE ?2 || '%'
                    OR lower(e.name) LIKE ?2 || '%' OR lower(e.name) LIKE '% ' || ?2 || '%')
             GROUP BY lower(e.addr)
             ORDER BY uses DESC, lower(e.addr)
             LIMIT ?3",
        )
        .bind(account_id)
        .bind(&q)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        // A name that is only the address again (`bob@x <bob@x>`) is no name.
        Ok(rows
            .into_iter()
            .map(|(n, a, u, _)| {
                let n = if n.eq_ignore_ascii_case(&a) {
                    String::new()
                } else {
                    n
                };
                (n, a, u)
            })
            .collect())
    }
}
