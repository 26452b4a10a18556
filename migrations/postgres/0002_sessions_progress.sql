-- Sessions keep what they streamed and why they ended; watch progress keeps how often
-- and when a video was finished.

ALTER TABLE user_sessions ADD COLUMN streams_started INTEGER NOT NULL DEFAULT 0;
ALTER TABLE user_sessions ADD COLUMN bytes_streamed BIGINT NOT NULL DEFAULT 0;
-- logout, revoked, replaced (the per-user cap), idle, expired, password, deactivated.
ALTER TABLE user_sessions ADD COLUMN end_reason TEXT;

ALTER TABLE user_videos ADD COLUMN play_count INTEGER NOT NULL DEFAULT 0;
-- When the video was last watched to 90% or more.
ALTER TABLE user_videos ADD COLUMN completed_at TIMESTAMPTZ;

CREATE INDEX user_sessions_open_idx ON user_sessions (user_id, last_activity) WHERE revoked_at IS NULL;
CREATE INDEX user_videos_popular_idx ON user_videos (last_watched, video_id);
