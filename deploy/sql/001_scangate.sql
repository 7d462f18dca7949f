-- ScanGate's own tables: findings (jsonb), triage decisions, the scan index and the audit log.
-- Applied by `scangate-silo --migrate`; never edited once released (add a new numbered file instead).

CREATE TABLE findings (
    id                text        COLLATE "C" PRIMARY KEY,
    scan_id           text        NOT NULL,
    org_id            text        NOT NULL,
    project_key       text        NOT NULL DEFAULT '',
    fingerprint       text        NOT NULL,
    scanner           text        NOT NULL,
    category          text        NOT NULL,
    severity          smallint    NOT NULL,
    -- worst first: 0 critical … 4 info; the order every finding list pages in
    severity_rank     smallint    GENERATED ALWAYS AS (4 - severity) STORED,
    status            smallint    NOT NULL DEFAULT 0,
    status_note       text,
    status_changed_at timestamptz,
    status_changed_by text,
    search_text       text        NOT NULL,
    data              jsonb       NOT NULL,
    CONSTRAINT findings_scan_fingerprint UNIQUE (scan_id, fingerprint)
);
CREATE INDEX findings_by_scan    ON findings (scan_id, severity_rank, id);
CREATE INDEX findings_by_org     ON findings (org_id, severity_rank, id);
CREATE INDEX findings_by_project ON findings (org_id, project_key, fingerprint);
CREATE INDEX findings_by_status  ON findings (org_id, status, severity_rank, id);

-- A status set on a finding, remembered for its fingerprint in its project so later scans inherit it.
CREATE TABLE finding_triage (
    org_id      text        NOT NULL,
    project_key text        NOT NULL,
    fingerprint text        NOT NULL,
    status      smallint    NOT NULL,
    note        text,
    changed_at  timestamptz NOT NULL,
    changed_by  text        NOT NULL,
    PRIMARY KEY (org_id, project_key, fingerprint)
);

CREATE TABLE scans (
    id          text        COLLATE "C" PRIMARY KEY,
    org_id      text        NOT NULL,
    project_key text,
    scan_type   text        NOT NULL,
    target      text        NOT NULL,
    status      smallint    NOT NULL,
    branch      text,
    created_at  timestamptz NOT NULL,
    finished_at timestamptz,
    gate_passed boolean,
    counts      jsonb       NOT NULL
);
CREATE INDEX scans_by_org ON scans (org_id, id DESC);
CREATE INDEX scans_by_project ON scans (org_id, project_key, id DESC);

CREATE TABLE audit_log (
    id        text        COLLATE "C" PRIMARY KEY,
    org_id    text        NOT NULL,
    at        timestamptz NOT NULL,
    action    text        NOT NULL,
    actor     text        NOT NULL,
    key_id    text        NOT NULL,
    client_ip text,
    target    text,
    details   jsonb       NOT NULL
);
CREATE INDEX audit_by_org ON audit_log (org_id, id DESC);
CREATE INDEX audit_by_action ON audit_log (org_id, action, id DESC);
