-- Evidence kept beside an incident's journal, shared through the database so that every
-- machine of the war room can read what another captured. Content-addressed: a row is named
-- by the SHA-256 of its content (checked here), and never changed or removed.
CREATE TABLE evidence (
    incident text NOT NULL REFERENCES incidents (id),
    sha256 text NOT NULL CHECK (encode(sha256(content), 'hex') = sha256),
    content bytea NOT NULL,
    stored timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (incident, sha256)
);

CREATE TRIGGER evidence_is_append_only
    BEFORE UPDATE OR DELETE ON evidence
    FOR EACH ROW EXECUTE FUNCTION warroom_entries_are_append_only();
