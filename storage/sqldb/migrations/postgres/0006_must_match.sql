-- sb_must_match fails the statement that calls it when n is 0: an UPDATE
-- or DELETE wrapped in it (Dialect.MustMatch) reports a missing row as an
-- error instead of a count, so a transaction can send it without waiting
-- for the answer. P0002 is no_data_found, which the store maps to
-- storage.ErrNotFound.
CREATE FUNCTION sb_must_match(n BIGINT, op TEXT) RETURNS BIGINT
LANGUAGE plpgsql AS $$
BEGIN
    IF n = 0 THEN
        RAISE EXCEPTION '%: no row matched', op USING ERRCODE = 'P0002';
    END IF;
    RETURN n;
END
$$;
