-- Round-robin counts turns instead of remembering the last manager: a
-- distribution takes the next turn number without holding the team row
-- until its transaction commits (see NextTeamTurn), so concurrent
-- distributions in one team no longer wait for each other's commits.
ALTER TABLE teams ADD COLUMN rr_turn BIGINT NOT NULL DEFAULT 0;
