-- A replay is a new execution that names the one it runs again.
ALTER TABLE executions ADD COLUMN replay_of TEXT;
