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
    id UUID PRIMARY KEY,
    code_hash VARCHAR(64) NOT NULL UNIQUE,
    label VARCHAR(100),
    created_by UUID REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    max_uses INTEGER NOT NULL CHECK (max_uses > 0),
    uses INTEGER NOT NULL DEFAULT 0,
    revoked_at TIMESTAMPTZ,
    libraries TEXT
);

ALTER TABLE users ADD COLUMN guest_pass_id UUID REFERENCES guest_passes (id) ON DELETE CASCADE;
CREATE INDEX users_guest_pass_idx ON users (guest_pass_id) WHERE guest_pass_id IS NOT NULL;

ALTER TABLE users ADD COLUMN libraries TEXT;
