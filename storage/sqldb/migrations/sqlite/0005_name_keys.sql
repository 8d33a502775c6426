-- Name tokens become name keys (pairs of token stems, see identity.NameKeys):
-- looking up a client's possible namesakes by any single token read every
-- client sharing a first name. The keys are computed by the router, so the
-- table starts empty and the router reindexes every client's name once.
DROP TABLE name_tokens;
CREATE TABLE name_keys (
    name_key  TEXT NOT NULL,
    client_id BIGINT NOT NULL REFERENCES clients(id),
    PRIMARY KEY (name_key, client_id)
);
CREATE INDEX name_keys_client ON name_keys (client_id);
