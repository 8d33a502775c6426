-- ClientsByEmailDomain reads the first few clients of a corporate domain
-- in client order. With the client id in the index the read walks the
-- domain's entries in that order and stops after them; on the domain alone
-- it read, joined and sorted every identity of the domain.
CREATE INDEX identities_domain_client ON identities (domain, client_id) WHERE domain <> '';
DROP INDEX identities_domain;
