-- The message list of the window (crates/core/src/store/message_list.rs): windows of a folder
-- in any of four sort orders, each read from an index without sorting the folder.
--
-- The indexes hold only the rows the list shows (not locally deleted: `local_state` bit 8 is
-- clear), so counting a folder's messages and its unread ones, and skipping rows to jump to a
-- position (End, dragging the scroll bar), never touch the table. Queries repeat the exact
-- condition `(local_state & 8) = 0`, which is how SQLite matches a partial index.
--
-- Sender order uses the display name, else the address, without case (ASCII).

CREATE INDEX message_list_by_date ON message (account_id, folder_id, date, id, read)
    WHERE (local_state & 8) = 0;

CREATE INDEX message_list_by_size ON message (account_id, folder_id, size, id)
    WHERE (local_state & 8) = 0;

CREATE INDEX message_list_by_from ON message
    (account_id, folder_id, lower(CASE WHEN from_name != '' THEN from_name ELSE from_addr END), id)
    WHERE (local_state & 8) = 0;

CREATE INDEX message_list_by_subject ON message (account_id, folder_id, lower(subject), id)
    WHERE (local_state & 8) = 0;

-- Unread counts of the folder tree: only unread, shown rows are in it.
CREATE INDEX message_unread ON message (account_id, folder_id)
    WHERE read = 0 AND (local_state & 8) = 0;
