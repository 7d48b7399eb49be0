-- The flow parameter values an execution runs with (a JSON object), so the
-- run log shows them and a run resumed after a crash uses the same values.
-- NULL for executions stored before values were recorded: they run with the
-- version's defaults.
ALTER TABLE executions ADD COLUMN params TEXT;
