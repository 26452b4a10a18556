-- Viewing analytics: one row when a playback starts and one when it stops, written in
-- batches off the stream path. Kept `analytics.retention` (365 days by default); a
-- user's rows go with the user.
CREATE TABLE playback_events (
    id UUID PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL,
    kind VARCHAR(10) NOT NULL CHECK (kind IN ('started', 'stopped')),
    playback_id UUID NOT NULL,
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_id UUID NOT NULL,
    video_id UUID NOT NULL,
    mode VARCHAR(10) NOT NULL CHECK (mode IN ('direct', 'remux', 'transcode')),
    variant VARCHAR(20),
    device_type VARCHAR(10),
    bytes BIGINT NOT NULL DEFAULT 0,
    seconds DOUBLE PRECISION NOT NULL DEFAULT 0
);
CREATE INDEX playback_events_at_idx ON playback_events (at);
CREATE INDEX playback_events_user_idx ON playback_events (user_id, at);
