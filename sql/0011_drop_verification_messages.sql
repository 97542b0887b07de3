-- verification_messages (0005) was never written: the yearly verification (issue 11) will
-- send every owner mail through ONE outbox table, unique per registration, cycle/purpose and
-- kind, created together with the code that writes it. Dropping the unused table now keeps
-- two designs of the same outbox from existing side by side.
DROP TABLE IF EXISTS verification_messages;
