-- Who the user is on the server (ActiveSync Settings UserInformation, MS-ASCMD 2.2.3.84):
-- the mail addresses, primary first, as a JSON array of strings, and the display name. The
-- sender of outgoing mail and the attendee the user answers for in an invitation are taken
-- from here; a user name is often not a mail address (Kopano, SOGo with uid logins).
-- Empty until the server has been asked (sign-in, folder refresh).

ALTER TABLE account ADD COLUMN addresses TEXT NOT NULL DEFAULT '[]';
ALTER TABLE account ADD COLUMN display_name TEXT NOT NULL DEFAULT '';
