-- Session ends whose Redis side (the end marker, the shared copy removed) may not have
-- been applied, because Redis did not answer when they happened. Every instance's
-- maintenance tick applies them and deletes them; an instance trusts the shared
-- copies only after such a pass found Redis answering. No foreign key: the ends of a
-- deleted user must outlive the user's rows.
CREATE TABLE pending_session_ends (
    session_id BLOB PRIMARY KEY,
    user_id BLOB NOT NULL,
    ended_at TEXT NOT NULL
);
