-- 1: the team's records. Every row a desktop sends keeps its global id: the desktop's id and
-- the record's id on that desktop.
CREATE TABLE callcoach.team (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    name text NOT NULL,
    examiner_key text NOT NULL,
    created_at bigint NOT NULL
);
CREATE TABLE callcoach.desktops (
    id text PRIMARY KEY,
    name text NOT NULL,
    token_hash text NOT NULL,
    joined_at bigint NOT NULL
);
CREATE TABLE callcoach.syncs (
    desktop text NOT NULL REFERENCES callcoach.desktops,
    at bigint NOT NULL,
    sent integer NOT NULL,
    PRIMARY KEY (desktop, at)
);
CREATE TABLE callcoach.trainees (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL UNIQUE,
    cohort text,
    added_by text NOT NULL REFERENCES callcoach.desktops,
    added_at bigint NOT NULL
);
CREATE TABLE callcoach.sittings (
    desktop text NOT NULL REFERENCES callcoach.desktops,
    local_id bigint NOT NULL,
    trainee_id bigint NOT NULL REFERENCES callcoach.trainees,
    exam_id text NOT NULL,
    exam_hash text NOT NULL,
    started_at bigint NOT NULL,
    PRIMARY KEY (desktop, local_id)
);
CREATE INDEX sittings_by_trainee ON callcoach.sittings (trainee_id, exam_id, started_at);
CREATE TABLE callcoach.attempts (
    desktop text NOT NULL REFERENCES callcoach.desktops,
    local_id bigint NOT NULL,
    trainee_id bigint NOT NULL REFERENCES callcoach.trainees,
    mode text NOT NULL,
    scenario_id text NOT NULL,
    started_at bigint NOT NULL,
    ended_at bigint,
    status text NOT NULL,
    total integer,
    passed boolean,
    sitting bigint,
    seal_seq bigint NOT NULL,
    seal_version integer NOT NULL,
    chain_hash text NOT NULL,
    document text NOT NULL,
    received_at bigint NOT NULL,
    PRIMARY KEY (desktop, local_id),
    UNIQUE (desktop, seal_seq)
);
CREATE INDEX attempts_by_trainee ON callcoach.attempts (trainee_id, started_at);
CREATE TABLE callcoach.category_scores (
    desktop text NOT NULL,
    attempt bigint NOT NULL,
    category text NOT NULL,
    score integer NOT NULL,
    max integer NOT NULL,
    PRIMARY KEY (desktop, attempt, category),
    FOREIGN KEY (desktop, attempt) REFERENCES callcoach.attempts
);
CREATE TABLE callcoach.findings (
    desktop text NOT NULL,
    attempt bigint NOT NULL,
    n integer NOT NULL,
    rule text NOT NULL,
    category text NOT NULL,
    severity text NOT NULL,
    PRIMARY KEY (desktop, attempt, n),
    FOREIGN KEY (desktop, attempt) REFERENCES callcoach.attempts
);
CREATE TABLE callcoach.verdicts (
    desktop text NOT NULL,
    sitting bigint NOT NULL,
    ended_at bigint NOT NULL,
    passed boolean NOT NULL,
    total integer,
    seal text NOT NULL,
    document text NOT NULL,
    PRIMARY KEY (desktop, sitting),
    FOREIGN KEY (desktop, sitting) REFERENCES callcoach.sittings
);
CREATE TABLE callcoach.certificates (
    number text PRIMARY KEY,
    desktop text NOT NULL,
    sitting bigint NOT NULL,
    trainee_id bigint NOT NULL REFERENCES callcoach.trainees,
    issued_at bigint NOT NULL,
    valid_until bigint NOT NULL,
    document text NOT NULL,
    FOREIGN KEY (desktop, sitting) REFERENCES callcoach.sittings
);
CREATE INDEX certificates_by_trainee ON callcoach.certificates (trainee_id);
CREATE TABLE callcoach.checkpoints (
    desktop text NOT NULL REFERENCES callcoach.desktops,
    seq bigint NOT NULL,
    made_at bigint NOT NULL,
    reason text NOT NULL,
    document text NOT NULL,
    signature text NOT NULL,
    PRIMARY KEY (desktop, seq)
);
