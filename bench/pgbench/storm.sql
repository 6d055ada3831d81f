-- One Withdraw of 2.00 from the storm balance as its own transaction: the
-- statements jobpay runs for a batch of one (read the balance, decide, append
-- the ledger entry, write the balance), SERIALIZABLE, retried by pgbench
-- --max-tries on serialization failures.
BEGIN ISOLATION LEVEL SERIALIZABLE READ WRITE;
SELECT balance - 200 AS after FROM profiles WHERE id = 900000000 \gset
\if :after >= 0
INSERT INTO ledger_entries (kind, debit_profile_id, amount, debit_balance_after, created_at)
VALUES ('withdrawal', 900000000, 200, :after, now());
UPDATE profiles SET balance = :after, updated_at = now() WHERE id = 900000000;
\endif
COMMIT;
