-- Reply-To of each message (JSON array of {name, addr}, like to_json and cc_json), from the
-- ActiveSync Email class's ReplyTo. The reading pane warns when replies would go to another
-- domain than the sender's (docs/safety.md); without the column that needed the whole MIME.
-- Messages synced before this version have '[]' until the server sends them again.

ALTER TABLE message ADD COLUMN reply_to_json TEXT NOT NULL DEFAULT '[]';
