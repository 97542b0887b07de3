-- The records system reads the change feed in (txid, seq) order from a cursor, below the
-- snapshot's xmin; one index serves that and the tile index's txid ranges.
CREATE INDEX changes_txid_seq_idx ON changes (txid, seq);
DROP INDEX changes_txid_idx;
