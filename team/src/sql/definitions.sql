-- What desktops may do, as functions: every change a desktop makes to the team's records goes
-- through one of these (SECURITY DEFINER, run as the schema's owner), which check the desktop's
-- key and each seal before anything is stored. The desktop role itself may only read, and run
-- these; it has no INSERT, UPDATE or DELETE on any table. Re-created by every `team init`.

CREATE OR REPLACE FUNCTION callcoach.now_ms() RETURNS bigint
LANGUAGE sql STABLE AS $$ SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint $$;

CREATE OR REPLACE FUNCTION callcoach.link(previous text, document text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT encode(sha256(convert_to(previous || E'\n' || document, 'UTF8')), 'hex')
$$;

CREATE OR REPLACE FUNCTION callcoach.checked_desktop(p_desktop text, p_token text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = callcoach, pg_temp AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM desktops WHERE id = p_desktop
                   AND token_hash = encode(sha256(convert_to(p_token, 'UTF8')), 'hex')) THEN
        RAISE EXCEPTION 'рабочее место % не входит в команду или его ключ подключения неверен: подключите его заново (callcoach team join)', p_desktop
            USING ERRCODE = 'CCA01';
    END IF;
END $$;

CREATE OR REPLACE FUNCTION callcoach.join_desktop(p_desktop text, p_name text, p_token text)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = callcoach, pg_temp AS $$
DECLARE
    token text := encode(sha256(convert_to(p_token, 'UTF8')), 'hex');
BEGIN
    INSERT INTO desktops (id, name, token_hash, joined_at)
        VALUES (p_desktop, p_name, token, now_ms()) ON CONFLICT (id) DO NOTHING;
    IF FOUND THEN
        RETURN 'joined';
    END IF;
    IF EXISTS (SELECT 1 FROM desktops WHERE id = p_desktop AND token_hash = token) THEN
        RETURN 'known';
    END IF;
    RAISE EXCEPTION 'рабочее место с номером % уже в команде: эта база — копия базы другого рабочего места или её настройки команды потеряны. Служба качества решает, чьи это записи; для нового места нужна новая база (--db)', p_desktop
        USING ERRCODE = 'CCA02';
END $$;

CREATE OR REPLACE FUNCTION callcoach.add_trainee(p_desktop text, p_token text, p_name text,
                                                 p_cohort text, p_added_at bigint)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = callcoach, pg_temp AS $$
DECLARE
    known_cohort text;
BEGIN
    PERFORM checked_desktop(p_desktop, p_token);
    INSERT INTO trainees (name, cohort, added_by, added_at)
        VALUES (p_name, p_cohort, p_desktop, p_added_at) ON CONFLICT (name) DO NOTHING;
    SELECT cohort INTO known_cohort FROM trainees WHERE name = p_name;
    RETURN known_cohort;
END $$;

CREATE OR REPLACE FUNCTION callcoach.open_sitting(p_desktop text, p_token text, p_sitting bigint,
                                                  p_trainee text, p_exam text, p_exam_hash text,
                                                  p_started_at bigint)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = callcoach, pg_temp AS $$
DECLARE
    trainee bigint;
BEGIN
    PERFORM checked_desktop(p_desktop, p_token);
    SELECT id INTO trainee FROM trainees WHERE name = p_trainee;
    IF trainee IS NULL THEN
        RAISE EXCEPTION 'рабочее место %: экзамен № % — стажёра «%» в команде нет', p_desktop, p_sitting, p_trainee
            USING ERRCODE = 'CCA05';
    END IF;
    INSERT INTO sittings (desktop, local_id, trainee_id, exam_id, exam_hash, started_at)
        VALUES (p_desktop, p_sitting, trainee, p_exam, p_exam_hash, p_started_at)
        ON CONFLICT DO NOTHING;
END $$;

-- An ended attempt: its columns are read from the document its seal covers, after the seal is
-- checked against the previous link of this desktop's chain on the server.
CREATE OR REPLACE FUNCTION callcoach.push_attempt(p_desktop text, p_token text, p_trainee text,
                                                  p_version integer, p_hash text, p_document text)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = callcoach, pg_temp AS $$
DECLARE
    doc jsonb;
    a jsonb;
    o integer := CASE WHEN p_version >= 2 THEN 1 ELSE 0 END;
    local bigint;
    seq bigint;
    previous text;
    stored text;
    trainee bigint;
    v_total integer;
    v_passed boolean;
    v_started bigint;
    n integer := 0;
    item jsonb;
BEGIN
    PERFORM checked_desktop(p_desktop, p_token);
    BEGIN
        doc := p_document::jsonb;
        a := doc->'attempt'->0;
        local := (a->>0)::bigint;
        seq := (a->>(12 + o))::bigint;
        v_started := (a->>(7 + o))::bigint;
        v_total := (a->>(10 + o))::integer;
        v_passed := (a->>(11 + o))::integer = 1;
    EXCEPTION WHEN others THEN
        RAISE EXCEPTION 'рабочее место %: прислана не попытка callcoach (документ не читается); данные не приняты', p_desktop
            USING ERRCODE = 'CCA04';
    END;
    IF local IS NULL OR seq IS NULL OR v_started IS NULL THEN
        RAISE EXCEPTION 'рабочее место %: прислана не попытка callcoach (нет номера или места в цепочке); данные не приняты', p_desktop
            USING ERRCODE = 'CCA04';
    END IF;
    IF seq = 1 THEN
        previous := 'callcoach-progress-chain-v1';
    ELSE
        SELECT chain_hash INTO previous FROM attempts WHERE desktop = p_desktop AND seal_seq = seq - 1;
        IF previous IS NULL THEN
            RAISE EXCEPTION 'рабочее место %: попытка № % — на сервер не пришла предыдущая запись цепочки (№ % по порядку): попытки удалены из базы рабочего места; данные не приняты', p_desktop, local, seq - 1
                USING ERRCODE = 'CCA03';
        END IF;
    END IF;
    IF link(previous, p_document) <> p_hash THEN
        RAISE EXCEPTION 'рабочее место %: попытка № % изменена после завершения — её реплики, оценки, стажёр или статус не совпадают с печатью; данные не приняты', p_desktop, local
            USING ERRCODE = 'CCA03';
    END IF;
    IF o = 1 AND ((doc->>'seal')::integer IS DISTINCT FROM p_version
                  OR a->>2 IS DISTINCT FROM p_trainee) THEN
        RAISE EXCEPTION 'рабочее место %: попытка № % прислана не от того стажёра или не в той форме печати; данные не приняты', p_desktop, local
            USING ERRCODE = 'CCA03';
    END IF;
    SELECT id INTO trainee FROM trainees WHERE name = p_trainee;
    IF trainee IS NULL THEN
        RAISE EXCEPTION 'рабочее место %: попытка № % — стажёра «%» в команде нет', p_desktop, local, p_trainee
            USING ERRCODE = 'CCA05';
    END IF;
    INSERT INTO attempts (desktop, local_id, trainee_id, mode, scenario_id, started_at, ended_at,
                          status, total, passed, sitting, seal_seq, seal_version, chain_hash,
                          document, received_at)
        VALUES (p_desktop, local, trainee, a->>(2 + o), a->>(3 + o), v_started,
                (a->>(8 + o))::bigint, a->>(9 + o), v_total, v_passed,
                CASE WHEN o = 1 THEN (a->>14)::bigint END, seq, p_version, p_hash, p_document,
                now_ms())
        ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
        SELECT chain_hash INTO stored FROM attempts WHERE desktop = p_desktop AND local_id = local;
        IF stored IS NOT DISTINCT FROM p_hash THEN
            RETURN 'known';
        END IF;
        RAISE EXCEPTION 'рабочее место %: попытка № % уже принята с другой печатью — история этого места переписана; данные не приняты', p_desktop, local
            USING ERRCODE = 'CCA03';
    END IF;
    FOR item IN SELECT value FROM jsonb_array_elements(doc->'scores') LOOP
        INSERT INTO category_scores (desktop, attempt, category, score, max)
            VALUES (p_desktop, local, item->>0, (item->>1)::integer, (item->>2)::integer);
    END LOOP;
    FOR item IN SELECT value FROM jsonb_array_elements(doc->'findings') LOOP
        n := n + 1;
        INSERT INTO findings (desktop, attempt, n, rule, category, severity)
            VALUES (p_desktop, local, n, item->>0, item->>1, item->>5);
    END LOOP;
    INSERT INTO trainee_stats AS s (trainee_id, attempts, scored, total_sum, passed, last_started,
                                    last_total)
        VALUES (trainee, 1, (v_total IS NOT NULL)::integer, coalesce(v_total, 0),
                (v_total IS NOT NULL AND coalesce(v_passed, false))::integer,
                CASE WHEN v_total IS NOT NULL THEN v_started END, v_total)
        ON CONFLICT (trainee_id) DO UPDATE SET
            attempts = s.attempts + 1,
            scored = s.scored + EXCLUDED.scored,
            total_sum = s.total_sum + EXCLUDED.total_sum,
            passed = s.passed + EXCLUDED.passed,
            last_total = CASE WHEN v_total IS NOT NULL
                              AND (s.last_started IS NULL OR v_started >= s.last_started)
                         THEN v_total ELSE s.last_total END,
            last_started = CASE WHEN v_total IS NOT NULL
                                AND (s.last_started IS NULL OR v_started >= s.last_started)
                           THEN v_started ELSE s.last_started END;
    -- In rule order, so two desktops pushing at once never wait on each other in a circle.
    INSERT INTO rule_counts AS r (rule, n)
        SELECT value->>0, count(*) FROM jsonb_array_elements(doc->'findings')
        GROUP BY 1 ORDER BY 1
        ON CONFLICT (rule) DO UPDATE SET n = r.n + EXCLUDED.n;
    RETURN 'added';
END $$;

-- A sitting's sealed verdict: the seal is checked, and every call it names must be on the
-- server with the same seal.
CREATE OR REPLACE FUNCTION callcoach.close_sitting(p_desktop text, p_token text, p_seal text,
                                                   p_document text)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = callcoach, pg_temp AS $$
DECLARE
    doc jsonb;
    r jsonb;
    local bigint;
    call jsonb;
    v_passed boolean;
    trainee bigint;
BEGIN
    PERFORM checked_desktop(p_desktop, p_token);
    BEGIN
        doc := p_document::jsonb;
        r := doc->'run'->0;
        local := (r->>0)::bigint;
        v_passed := (r->>7)::integer = 1;
    EXCEPTION WHEN others THEN
        RAISE EXCEPTION 'рабочее место %: прислан не результат экзамена callcoach; данные не приняты', p_desktop
            USING ERRCODE = 'CCA04';
    END;
    IF link('callcoach-progress-chain-v1', p_document) <> p_seal THEN
        RAISE EXCEPTION 'рабочее место %: результат экзамена № % изменён после завершения — вердикт, итог или состав звонков не совпадают с печатью; данные не приняты', p_desktop, local
            USING ERRCODE = 'CCA03';
    END IF;
    SELECT trainee_id INTO trainee FROM sittings
        WHERE desktop = p_desktop AND local_id = local AND exam_id = r->>1;
    IF trainee IS NULL THEN
        RAISE EXCEPTION 'рабочее место %: результат экзамена № % пришёл раньше его начала', p_desktop, local
            USING ERRCODE = 'CCA05';
    END IF;
    FOR call IN SELECT value FROM jsonb_array_elements(doc->'calls') LOOP
        IF call->>1 IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM attempts WHERE desktop = p_desktop AND local_id = (call->>0)::bigint
            AND chain_hash = call->>1 AND sitting = local) THEN
            RAISE EXCEPTION 'рабочее место %: звонок № % экзамена № % не совпадает с принятым на сервере; данные не приняты', p_desktop, call->>0, local
                USING ERRCODE = 'CCA03';
        END IF;
    END LOOP;
    INSERT INTO verdicts (desktop, sitting, ended_at, passed, total, seal, document)
        VALUES (p_desktop, local, (r->>6)::bigint, coalesce(v_passed, false), (r->>8)::integer,
                p_seal, p_document)
        ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
        RETURN 'known';
    END IF;
    IF v_passed THEN
        INSERT INTO trainee_stats AS s (trainee_id, exams_passed) VALUES (trainee, 1)
            ON CONFLICT (trainee_id) DO UPDATE SET exams_passed = s.exams_passed + 1;
    END IF;
    RETURN 'added';
END $$;

CREATE OR REPLACE FUNCTION callcoach.add_certificate(p_desktop text, p_token text,
                                                     p_sitting bigint, p_number text,
                                                     p_trainee text, p_issued_at bigint,
                                                     p_valid_until bigint, p_document text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = callcoach, pg_temp AS $$
DECLARE
    trainee bigint;
BEGIN
    PERFORM checked_desktop(p_desktop, p_token);
    SELECT s.trainee_id INTO trainee FROM sittings s JOIN trainees t ON t.id = s.trainee_id
        WHERE s.desktop = p_desktop AND s.local_id = p_sitting AND t.name = p_trainee;
    IF trainee IS NULL THEN
        RAISE EXCEPTION 'рабочее место %: сертификат % — нет такого экзамена стажёра «%»', p_desktop, p_number, p_trainee
            USING ERRCODE = 'CCA05';
    END IF;
    INSERT INTO certificates (number, desktop, sitting, trainee_id, issued_at, valid_until, document)
        VALUES (p_number, p_desktop, p_sitting, trainee, p_issued_at, p_valid_until, p_document)
        ON CONFLICT DO NOTHING;
END $$;

CREATE OR REPLACE FUNCTION callcoach.add_checkpoint(p_desktop text, p_token text, p_seq bigint,
                                                    p_made_at bigint, p_reason text,
                                                    p_document text, p_signature text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = callcoach, pg_temp AS $$
BEGIN
    PERFORM checked_desktop(p_desktop, p_token);
    INSERT INTO checkpoints (desktop, seq, made_at, reason, document, signature)
        VALUES (p_desktop, p_seq, p_made_at, p_reason, p_document, p_signature)
        ON CONFLICT DO NOTHING;
END $$;

CREATE OR REPLACE FUNCTION callcoach.record_sync(p_desktop text, p_token text, p_sent integer)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = callcoach, pg_temp AS $$
BEGIN
    PERFORM checked_desktop(p_desktop, p_token);
    INSERT INTO syncs (desktop, at, sent) VALUES (p_desktop, now_ms(), p_sent)
        ON CONFLICT DO NOTHING;
END $$;

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA callcoach FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA callcoach FROM PUBLIC;
GRANT USAGE ON SCHEMA callcoach TO callcoach_desktop, callcoach_qa;
GRANT SELECT ON ALL TABLES IN SCHEMA callcoach TO callcoach_qa;
GRANT SELECT ON ALL TABLES IN SCHEMA callcoach TO callcoach_desktop;
-- A desktop reads who else is in the team, never their keys' hashes.
REVOKE SELECT ON callcoach.desktops FROM callcoach_desktop;
GRANT SELECT (id, name, joined_at) ON callcoach.desktops TO callcoach_desktop;
GRANT EXECUTE ON FUNCTION
    callcoach.join_desktop(text, text, text),
    callcoach.add_trainee(text, text, text, text, bigint),
    callcoach.open_sitting(text, text, bigint, text, text, text, bigint),
    callcoach.push_attempt(text, text, text, integer, text, text),
    callcoach.close_sitting(text, text, text, text),
    callcoach.add_certificate(text, text, bigint, text, text, bigint, bigint, text),
    callcoach.add_checkpoint(text, text, bigint, bigint, text, text, text),
    callcoach.record_sync(text, text, integer)
    TO callcoach_desktop;
