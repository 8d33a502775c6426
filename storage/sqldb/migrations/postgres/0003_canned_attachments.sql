-- Files a canned response carries (a price list, a commercial offer), as a
-- JSON array of {key, filename, content_type, size}. The bytes live in the
-- blob store under key; a list is read and written whole with its row, so
-- a column is enough and no join table is needed.
ALTER TABLE canned_responses ADD COLUMN attachments TEXT NOT NULL DEFAULT '[]';
