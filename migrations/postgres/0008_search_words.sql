-- Search asks for each typed word to begin a word of what it finds (as Plex matches:
-- "ali 19" finds "Alien (1979)"). The words of each entry, held by an index, answer a
-- rare word at once; the stored search text, now those words joined by spaces, answers
-- a common one as the catalog's order is walked (a substring search read every row:
-- 31 ms for a word that matched nothing among 50,000 episodes, 13 on SQLite).
-- Bytewise order ("C"), so that a word's prefix is one range of the index.
CREATE TABLE search_terms (
    term TEXT COLLATE "C" NOT NULL,
    video_id UUID NOT NULL,
    PRIMARY KEY (term, video_id)
);
-- Derived from videos.search_text and written with it, as a full-text index is: no
-- foreign key (a check of it for each of 300,000 words slowed a first scan; rows of
-- videos are never deleted, a gone file is marked missing).
CREATE INDEX search_terms_video_idx ON search_terms (video_id);

-- Stand-ins until the next scan writes the application's words (the scanner's rules
-- version changed with this release, so it identifies every file again).
UPDATE videos SET search_text = trim(regexp_replace(search_text, '[^[:alnum:]]+', ' ', 'g'));
INSERT INTO search_terms (term, video_id)
    SELECT DISTINCT w, id FROM videos, regexp_split_to_table(search_text, ' ') AS w
    WHERE w <> '';

ALTER TABLE series ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
UPDATE series SET search_text = trim(regexp_replace(
    lower(title || ' ' || COALESCE(original_title, '')), '[^[:alnum:]]+', ' ', 'g'));
-- The planner's figures for the words (a scan refreshes them after).
ANALYZE search_terms;
