-- Artifacts of scans (raw reports, the scan log, SARIF, SBOMs …): one row per (scan, name) with its metadata
-- and its content. Reports are at most tens of MB, so the content is bytea, streamed in and out by the store
-- (TOAST keeps it out of line, compressed), rather than large objects that need their own clean-up.
-- Applied by `scangate-silo --migrate`; never edited once released (add a new numbered file instead).

CREATE TABLE artifacts (
    scan_id    text        COLLATE "C" NOT NULL,
    name       text        COLLATE "C" NOT NULL,
    type       text        NOT NULL,   -- the API's word: raw_report, log, sarif, cyclonedx, spdx, csv, html
    media_type text        NOT NULL,
    size       bigint      NOT NULL,
    sha256     text        NOT NULL,   -- lower-case hex
    created_at timestamptz NOT NULL,
    content    bytea       NOT NULL,
    -- Also the index a scan's artifacts are listed by, in name order, and deleted by.
    PRIMARY KEY (scan_id, name)
);
