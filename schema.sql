-- vidpipe's Postgres schema. Applied by `make up` / `make test` on every
-- start: every statement is idempotent (IF NOT EXISTS), so applying it twice
-- is harmless. gen_random_uuid() is core since PostgreSQL 13.
--
-- Ownership: a user owns uploads and videos; a video owns its renditions and
-- its outbox rows. Deleting a user removes everything below it.

CREATE TABLE IF NOT EXISTS users (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email         text NOT NULL,
    password_hash text NOT NULL,            -- Argon2id PHC string, never the password
    created_at    timestamptz NOT NULL DEFAULT now(),
    -- e-mails are stored trimmed and lower-cased, so equality is case-blind
    CONSTRAINT users_email_normalised CHECK (email = lower(btrim(email))),
    CONSTRAINT users_email_length CHECK (char_length(email) BETWEEN 3 AND 254),
    CONSTRAINT users_hash_is_argon2id CHECK (password_hash LIKE '$argon2id$%')
);
CREATE UNIQUE INDEX IF NOT EXISTS users_email_key ON users (email);

CREATE TABLE IF NOT EXISTS videos (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title            text NOT NULL DEFAULT '',
    status           text NOT NULL DEFAULT 'uploading',
    progress         smallint NOT NULL DEFAULT 0,
    error            text,
    raw_bucket       text NOT NULL,
    raw_key          text NOT NULL,
    size             bigint,
    duration_seconds double precision,
    width            integer,
    height           integer,
    video_codec      text,
    audio_codec      text,
    thumbnail_key    text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT videos_status CHECK (status IN ('uploading', 'queued', 'processing', 'ready', 'failed')),
    CONSTRAINT videos_progress CHECK (progress BETWEEN 0 AND 100),
    CONSTRAINT videos_title_length CHECK (char_length(title) <= 200),
    CONSTRAINT videos_failed_has_error CHECK (status <> 'failed' OR error IS NOT NULL),
    CONSTRAINT videos_size CHECK (size IS NULL OR size >= 0),
    CONSTRAINT videos_dimensions CHECK ((width IS NULL OR width > 0) AND (height IS NULL OR height > 0))
);
-- GET /videos: a user's videos newest first, keyset-paginated on (created_at, id)
CREATE INDEX IF NOT EXISTS videos_user_newest ON videos (user_id, created_at DESC, id DESC);

CREATE TABLE IF NOT EXISTS uploads (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    video_id      uuid NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    s3_upload_id  text NOT NULL,
    bucket        text NOT NULL,
    object_key    text NOT NULL,
    filename      text NOT NULL,
    content_type  text NOT NULL,
    size          bigint NOT NULL,
    part_size     bigint NOT NULL,
    part_count    integer NOT NULL,
    status        text NOT NULL DEFAULT 'active',
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    completed_at  timestamptz,
    CONSTRAINT uploads_one_per_video UNIQUE (video_id),
    CONSTRAINT uploads_status CHECK (status IN ('active', 'completed', 'aborted', 'expired')),
    CONSTRAINT uploads_size CHECK (size > 0),
    CONSTRAINT uploads_part_size CHECK (part_size >= 5242880),
    CONSTRAINT uploads_part_count CHECK (part_count BETWEEN 1 AND 10000),
    -- every part but the last is exactly part_size
    CONSTRAINT uploads_parts_cover_size CHECK (size > (part_count - 1) * part_size AND size <= part_count * part_size),
    CONSTRAINT uploads_completed_at CHECK ((status = 'completed') = (completed_at IS NOT NULL))
);
-- the per-user limit on active uploads, and the sweeper's scan for expired ones
CREATE INDEX IF NOT EXISTS uploads_user_active ON uploads (user_id) WHERE status = 'active';
CREATE INDEX IF NOT EXISTS uploads_expiring ON uploads (expires_at) WHERE status = 'active';

CREATE TABLE IF NOT EXISTS renditions (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    video_id    uuid NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    name        text NOT NULL,                  -- shorter side + "p": 720p
    width       integer NOT NULL,
    height      integer NOT NULL,
    bitrate     integer NOT NULL,               -- bits per second
    size        bigint NOT NULL,
    object_key  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT renditions_one_per_name UNIQUE (video_id, name),
    CONSTRAINT renditions_name CHECK (name ~ '^[0-9]+p$'),
    CONSTRAINT renditions_even_dimensions CHECK (width > 0 AND height > 0 AND width % 2 = 0 AND height % 2 = 0),
    CONSTRAINT renditions_sizes CHECK (bitrate > 0 AND size > 0)
);

-- The transactional outbox: a completed upload writes its job here in the
-- same transaction that marks the video queued; the message is sent after
-- commit and the row marked sent. The maintenance job re-sends rows left
-- unsent, so a crash between commit and send loses nothing.
CREATE TABLE IF NOT EXISTS outbox (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    video_id    uuid NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    kind        text NOT NULL DEFAULT 'transcode',
    payload     jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    sent_at     timestamptz,
    attempts    integer NOT NULL DEFAULT 0,
    last_error  text,
    CONSTRAINT outbox_kind CHECK (kind IN ('transcode')),
    CONSTRAINT outbox_one_job_per_video UNIQUE (video_id, kind)
);
CREATE INDEX IF NOT EXISTS outbox_unsent ON outbox (created_at) WHERE sent_at IS NULL;

-- Added with the uploads capability (kept idempotent for existing databases):
-- a digest of the part list a completion used, so a repeated identical
-- completion is recognised and answered the same way.
ALTER TABLE uploads ADD COLUMN IF NOT EXISTS complete_digest text;

-- Added with sharing (issue 14; kept idempotent for existing databases).
-- Who may watch a video: only its owner (private), anyone with its id
-- (unlisted), or anyone, and it is listed (public).
ALTER TABLE videos ADD COLUMN IF NOT EXISTS visibility text NOT NULL DEFAULT 'private';
DO $$
BEGIN
    ALTER TABLE videos ADD CONSTRAINT videos_visibility
        CHECK (visibility IN ('private', 'unlisted', 'public'));
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;
-- GET /public/videos: public, ready videos newest first, keyset-paginated
CREATE INDEX IF NOT EXISTS videos_public_newest ON videos (created_at DESC, id DESC)
    WHERE visibility = 'public' AND status = 'ready';

-- Share links: a random token (256 bits) opens one video whatever its
-- visibility. Only the token's SHA-256 is stored, so the table cannot hand a
-- link out again (a reader of the database learns no working token); a link
-- is looked up by that hash. Revoking deletes the row; deleting the video
-- deletes its links.
CREATE TABLE IF NOT EXISTS share_links (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    video_id     uuid NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    token_sha256 bytea NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz,                  -- NULL: never
    CONSTRAINT share_links_token_unique UNIQUE (token_sha256),
    CONSTRAINT share_links_token_is_sha256 CHECK (octet_length(token_sha256) = 32),
    CONSTRAINT share_links_expiry CHECK (expires_at IS NULL OR expires_at > created_at)
);
-- GET /videos/{id}/links: a video's links, newest first
CREATE INDEX IF NOT EXISTS share_links_video ON share_links (video_id, created_at DESC);
-- Added with HLS playback (issue 13). The segment index the API writes
-- playlists from: the tracks a transcode makes (one per rung, and the
-- audio every rung shares) and, as each file reaches storage, its media
-- segments. While a video is processing the rows grow with the work; when
-- it becomes ready the worker replaces the whole index in the transaction
-- that marks it ready. Objects: processed/<user>/<video>/hls/<track>/...
CREATE TABLE IF NOT EXISTS hls_tracks (
    video_id    uuid NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    name        text NOT NULL,                  -- '720p', or 'audio'
    kind        text NOT NULL,
    width       integer,                        -- video tracks only
    height      integer,
    frame_rate  double precision,
    bitrate     integer NOT NULL,               -- nominal: the rung's cap, bits per second
    codecs      text NOT NULL,                  -- RFC 6381: 'avc1.64001f', 'mp4a.40.2'
    init_size   bigint,                         -- NULL until the init segment is in storage
    PRIMARY KEY (video_id, name),
    CONSTRAINT hls_tracks_kind CHECK (kind IN ('video', 'audio')),
    CONSTRAINT hls_tracks_name CHECK (name ~ '^[1-9][0-9]{0,4}p$' OR name = 'audio'),
    CONSTRAINT hls_tracks_video_has_size CHECK (kind = 'audio' OR (width > 0 AND height > 0 AND frame_rate > 0)),
    CONSTRAINT hls_tracks_sizes CHECK (bitrate > 0 AND (init_size IS NULL OR init_size > 0))
);

CREATE TABLE IF NOT EXISTS hls_segments (
    video_id    uuid NOT NULL,
    track       text NOT NULL,
    number      integer NOT NULL,               -- 1, 2, ... in playback order
    duration    double precision NOT NULL,      -- seconds
    size        bigint NOT NULL,                -- bytes
    PRIMARY KEY (video_id, track, number),
    FOREIGN KEY (video_id, track) REFERENCES hls_tracks (video_id, name) ON DELETE CASCADE,
    CONSTRAINT hls_segments_number CHECK (number >= 1),
    CONSTRAINT hls_segments_sizes CHECK (duration > 0 AND size > 0)
);
