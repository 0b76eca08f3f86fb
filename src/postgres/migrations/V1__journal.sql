-- The incident journal, as the file journal holds it: one row per line, the line's text kept
-- byte for byte (so its hash and the chain verify here as in the file, and copies between the
-- two are exact). `incidents` holds each journal's head; appends lock its row, so they are
-- serialized and the chain never forks (the unique (incident, prev) says so again).
CREATE TABLE incidents (
    id text PRIMARY KEY,
    created timestamptz NOT NULL DEFAULT now(),
    head_seq bigint NOT NULL DEFAULT 0,
    head_hash text NOT NULL
);

CREATE TABLE entries (
    incident text NOT NULL REFERENCES incidents (id),
    seq bigint NOT NULL CHECK (seq > 0),
    prev text NOT NULL,
    hash text NOT NULL,
    line text NOT NULL,
    stored timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (incident, seq),
    UNIQUE (incident, prev)
);

-- The journal is append-only: a changed or removed line is refused here, and one changed
-- behind this trigger's back is caught by `warroom journal verify`.
CREATE FUNCTION warroom_entries_are_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the incident journal is append-only: entries are never changed or removed';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER entries_are_append_only
    BEFORE UPDATE OR DELETE ON entries
    FOR EACH ROW EXECUTE FUNCTION warroom_entries_are_append_only();

-- Each line continues the chain: seq follows the incident's last line and prev is its hash.
CREATE FUNCTION warroom_entries_continue_the_chain() RETURNS trigger AS $$
DECLARE
    last_seq bigint;
    last_hash text;
BEGIN
    SELECT seq, hash INTO last_seq, last_hash FROM entries
        WHERE incident = NEW.incident ORDER BY seq DESC LIMIT 1;
    IF last_seq IS NULL THEN
        last_seq := 0;
        last_hash := repeat('0', 64);
    END IF;
    IF NEW.seq <> last_seq + 1 OR NEW.prev <> last_hash THEN
        RAISE EXCEPTION 'entry % of % does not continue the journal (its last entry is %)',
            NEW.seq, NEW.incident, last_seq;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER entries_continue_the_chain
    BEFORE INSERT ON entries
    FOR EACH ROW EXECUTE FUNCTION warroom_entries_continue_the_chain();
