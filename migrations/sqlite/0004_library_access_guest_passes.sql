-- Library access and guest passes.
--
-- The libraries an account sees, as a JSON array of names; NULL: every library. A guest
-- pass names those its guests see the same way.
--
-- Guest passes: an administrator's invitation that opens temporary guest sessions
-- without an account of one's own. Only a hash of the code is kept. Each use makes a
-- guest account tied to the pass; deleting the pass (or its revocation, which deletes
-- those accounts) ends their sessions.
CREATE TABLE guest_passes (
    id BLOB PRIMARY KEY,
    code_hash TEXT NOT NULL UNIQUE,
    label TEXT,
    created_by BLOB REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    max_uses INTEGER NOT NULL CHECK (max_uses > 0),
    uses INTEGER NOT NULL DEFAULT 0,
    revoked_at TEXT,
    libraries TEXT
);

ALTER TABLE users ADD COLUMN guest_pass_id BLOB REFERENCES guest_passes (id) ON DELETE CASCADE;
CREATE INDEX users_guest_pass_idx ON users (guest_pass_id) WHERE guest_pass_id IS NOT NULL;

ALTER TABLE users ADD COLUMN libraries TEXT;
