-- 2: running totals for the team report, so it reads one row per trainee and per rule instead
-- of every attempt; filled from the records already there.
CREATE TABLE callcoach.trainee_stats (
    trainee_id bigint PRIMARY KEY REFERENCES callcoach.trainees,
    attempts bigint NOT NULL DEFAULT 0,
    scored bigint NOT NULL DEFAULT 0,
    total_sum bigint NOT NULL DEFAULT 0,
    passed bigint NOT NULL DEFAULT 0,
    last_started bigint,
    last_total integer,
    exams_passed bigint NOT NULL DEFAULT 0
);
INSERT INTO callcoach.trainee_stats (trainee_id, attempts, scored, total_sum, passed)
    SELECT trainee_id, count(*), count(total), coalesce(sum(total), 0),
           count(*) FILTER (WHERE total IS NOT NULL AND passed)
    FROM callcoach.attempts GROUP BY trainee_id;
UPDATE callcoach.trainee_stats s SET last_started = l.started_at, last_total = l.total
    FROM (SELECT DISTINCT ON (trainee_id) trainee_id, started_at, total FROM callcoach.attempts
          WHERE total IS NOT NULL ORDER BY trainee_id, started_at DESC, local_id DESC) l
    WHERE l.trainee_id = s.trainee_id;
INSERT INTO callcoach.trainee_stats (trainee_id, exams_passed)
    SELECT s.trainee_id, count(*) FROM callcoach.verdicts v
    JOIN callcoach.sittings s ON s.desktop = v.desktop AND s.local_id = v.sitting
    WHERE v.passed GROUP BY s.trainee_id
    ON CONFLICT (trainee_id) DO UPDATE SET exams_passed = EXCLUDED.exams_passed;
CREATE TABLE callcoach.rule_counts (
    rule text PRIMARY KEY,
    n bigint NOT NULL
);
INSERT INTO callcoach.rule_counts (rule, n)
    SELECT rule, count(*) FROM callcoach.findings GROUP BY rule;
