-- The message a draft replies to or forwards (docs/compose.md, "Save"): a reply saved as a
-- draft and sent later from Drafts still goes out as a reply (SmartReply, In-Reply-To) or a
-- forward, not as new mail. Local message ids of the original (`message.id`); NULL for a new
-- message's draft and for every other message. A draft whose original has left the cache is
-- sent as new mail.

ALTER TABLE message ADD COLUMN draft_reply_to INTEGER;
ALTER TABLE message ADD COLUMN draft_forward_of INTEGER;
