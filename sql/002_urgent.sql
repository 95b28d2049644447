-- Urgency stored with each event (docs/design.md §7): 1 for an event sent to
-- the platform at once, 0 for one batched for up to batch_wait_ms.  Whoever
-- makes an event decides (the lane, the daemon); the sync reads this column,
-- never a body, and it holds across a restart.

ALTER TABLE events ADD COLUMN urgent INTEGER NOT NULL DEFAULT 0
	CHECK (urgent IN (0, 1));

-- Events stored before this migration get the urgency their kind and body
-- had: the urgent kinds, and a weighing whose decision is intercept.  A body
-- that is not JSON is no intercept (CASE: json_extract never sees it).
UPDATE events SET urgent = 1
WHERE kind IN ('forced_entry', 'barrier_unauthorized', 'override',
	'device_fault', 'startup', 'config_reloaded', 'scale_reset',
	'clock_step', 'clock_skew', 'store_replaced', 'store_rollback')
   OR (kind = 'weighing' AND CASE WHEN json_valid(body)
	THEN json_extract(body, '$.decision') END = 'intercept');
