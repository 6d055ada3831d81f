-- One Withdraw of 2.00 from the storm balance as its own transaction: the
-- statements jobpay runs for a batch of one (lock and read the balance row,
-- decide against what is available, append the ledger entry, write the
-- balance with its withdrawn total), SERIALIZABLE, retried by pgbench
-- --max-tries on serialization failures.
BEGIN ISOLATION LEVEL SERIALIZABLE READ WRITE;
SELECT balance - held - 200 AS left_over, balance - 200 AS after, withdrawn + 200 AS withdrawn
FROM balances WHERE profile_id = 900000000 AND currency_code = 'USD' FOR UPDATE \gset
\if :left_over >= 0
INSERT INTO ledger_entries (kind, debit_profile_id, amount, debit_balance_after, currency_code, created_at)
VALUES ('withdrawal', 900000000, 200, :after, 'USD', now());
UPDATE balances SET balance = :after, withdrawn = :withdrawn, updated_at = now()
WHERE profile_id = 900000000 AND currency_code = 'USD';
\endif
COMMIT;
