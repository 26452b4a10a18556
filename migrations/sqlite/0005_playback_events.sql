-- Viewing analytics: one row when a playback starts and one when it stops, written in
-- batches off the stream path. Kept `analytics.retention` (365 days by default); a
-- user's rows go with the user.
CREATE TABLE playback_events (
    id BLOB PRIMARY KEY,
    at TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('started', 'stopped')),
    playback_id BLOB NOT NULL,
    user_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_id BLOB NOT NULL,
    video_id BLOB NOT NULL,
    mode TEXT NOT NULL CHECK (mode IN ('direct', 'remux', 'transcode')),
    variant TEXT,
    device_type TEXT,
    bytes INTEGER NOT NULL DEFAULT 0,
    seconds REAL NOT NULL DEFAULT 0
);
CREATE INDEX playback_events_at_idx ON playback_events (at);
CREATE INDEX playback_events_user_idx ON playback_events (user_id, at);
