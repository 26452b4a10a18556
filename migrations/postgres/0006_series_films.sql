-- What the library holds: series (a folder or name of episodes) and, on each video, what
-- it is (an episode with its numbers, a film with its year, part and version) and the
-- local metadata and artwork found beside it (Kodi .nfo files, poster.jpg ...).
-- Existing rows keep every column and id (so progress, history, ratings and playlists
-- stay); they are classified by the next scan, which reads every file's path again.

CREATE TABLE series (
    id UUID PRIMARY KEY,
    library TEXT NOT NULL,
    -- Identity inside the library: the cleaned name, lowercased, and its year.
    key TEXT NOT NULL,
    title TEXT NOT NULL,
    original_title TEXT,
    year INTEGER,
    plot TEXT,
    -- A JSON array of names.
    genres JSONB NOT NULL DEFAULT '[]'::jsonb,
    rating DOUBLE PRECISION,
    premiered TEXT,
    -- The series folder, library-relative ('' when the episodes sit at the root).
    folder TEXT,
    -- Library-relative paths of the artwork found in the series folder.
    poster TEXT,
    backdrop TEXT,
    -- A JSON object: season number (as text) to the library-relative path of its poster.
    season_posters JSONB NOT NULL DEFAULT '{}'::jsonb,
    -- Playable episodes and seasons, and when the newest episode was added, kept by
    -- the scanner so listing series reads one row each.
    episode_count INTEGER NOT NULL DEFAULT 0,
    season_count INTEGER NOT NULL DEFAULT 0,
    latest_added TIMESTAMPTZ,
    -- The folder's nfo and artwork stamp when last read: a rescan rereads them only
    -- when it changed.
    art_stamp BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX series_library_key ON series (library, key);
CREATE INDEX series_title_idx ON series (episode_count, lower(title));

-- Titles now come from .nfo files too, longer than a file name.
ALTER TABLE videos ALTER COLUMN title TYPE TEXT;

-- video (not yet classified), episode or film.
ALTER TABLE videos ADD COLUMN kind TEXT NOT NULL DEFAULT 'video' CHECK (kind IN ('video', 'episode', 'film'));
ALTER TABLE videos ADD COLUMN series_id UUID REFERENCES series (id) ON DELETE SET NULL;
-- The series' title, copied from series at each scan so lists of episodes read one row.
ALTER TABLE videos ADD COLUMN series_title TEXT;
-- 0 for specials; NULL when unknown (absolute-numbered episodes).
ALTER TABLE videos ADD COLUMN season INTEGER;
-- The (first) episode, the absolute number when there is no season.
ALTER TABLE videos ADD COLUMN episode INTEGER;
-- The last episode of a file covering several.
ALTER TABLE videos ADD COLUMN episode_end INTEGER;
ALTER TABLE videos ADD COLUMN year INTEGER;
ALTER TABLE videos ADD COLUMN original_title TEXT;
ALTER TABLE videos ADD COLUMN genres JSONB NOT NULL DEFAULT '[]'::jsonb;
ALTER TABLE videos ADD COLUMN rating DOUBLE PRECISION;
ALTER TABLE videos ADD COLUMN premiered TEXT;
-- Library-relative paths of the artwork beside the file (an episode's thumb is its poster).
ALTER TABLE videos ADD COLUMN poster TEXT;
ALTER TABLE videos ADD COLUMN backdrop TEXT;
ALTER TABLE videos ADD COLUMN art_stamp BIGINT NOT NULL DEFAULT 0;
-- A film split over files, or kept in several versions: the files share film_key; one
-- of them is listed (the first part of the best version), the others are not.
ALTER TABLE videos ADD COLUMN film_key TEXT;
ALTER TABLE videos ADD COLUMN part INTEGER;
ALTER TABLE videos ADD COLUMN version TEXT;
ALTER TABLE videos ADD COLUMN listed BOOLEAN NOT NULL DEFAULT TRUE;

-- The episodes of a series in order (status too: without statistics SQLite would
-- otherwise walk the status index, every row of the catalog).
CREATE INDEX videos_series_order_idx ON videos (series_id, status, season, episode);
CREATE INDEX videos_film_key_idx ON videos (film_key);
-- The catalog's cards in title and added order, with the id: a page is found in the
-- index alone (however deep), then its rows are read.
CREATE INDEX videos_listed_title_idx ON videos (status, listed, kind, lower(title), id);
CREATE INDEX videos_listed_any_title_idx ON videos (status, listed, lower(title), id);
CREATE INDEX videos_listed_added_idx ON videos (status, listed, created_at, id);
