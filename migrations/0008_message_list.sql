-- The message list of the window (crates/core/src/store/message_list.rs): windows of a folder
-- read from an index without sorting the folder.
--
-- The indexes hold only the rows the list shows (not locally deleted: `local_state` bit 8 is
-- clear), so counting a folder's messages and its unread ones, and skipping rows to jump to a
-- position (End, dragging the scroll bar), never touch the table. Queries repeat the exact
-- condition `(local_state & 8) = 0`, which is how SQLite matches a partial index.
--
-- Only the date order is indexed here. The indexes of the sender, subject and size orders cost
-- every synced message three more B-tree inserts at random places (the store bench's insert
-- rate fell from about 25,000 to 14,000 messages a second with them), so each is made the first
-- time the list is sorted that way (message_list.rs, `ensure_sort_index`).

CREATE INDEX message_list_by_date ON message (account_id, folder_id, date, id, read)
    WHERE (local_state & 8) = 0;

-- Unread counts of the folder tree: only unread, shown rows are in it.
CREATE INDEX message_unread ON message (account_id, folder_id)
    WHERE read = 0 AND (local_state & 8) = 0;
