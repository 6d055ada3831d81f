-- A transfer of 0.01 within one of 32 independent pairs (pgbench client k
-- uses pair k % 32, like jobpay's pairs scenario): lock both balance rows in
-- key order, read them, append the ledger entry, write both balances with
-- their transferred totals. SERIALIZABLE.
\set pair :client_id % 32
\set src 6000000 + :pair
\set dst 7000000 + :pair
BEGIN ISOLATION LEVEL SERIALIZABLE READ WRITE;
SELECT 1 FROM balances WHERE currency_code = 'USD' AND profile_id IN (:src, :dst)
ORDER BY profile_id FOR UPDATE;
SELECT p.balance - p.held - 1 AS left_over, p.balance - 1 AS src_after,
       p.transferred_out + 1 AS src_out,
       q.balance + 1 AS dst_after, q.transferred_in + 1 AS dst_in
FROM balances p, balances q
WHERE p.profile_id = :src AND p.currency_code = 'USD'
  AND q.profile_id = :dst AND q.currency_code = 'USD' \gset
\if :left_over >= 0
INSERT INTO ledger_entries (kind, debit_profile_id, credit_profile_id, amount,
                            debit_balance_after, credit_balance_after, currency_code, created_at)
VALUES ('transfer', :src, :dst, 1, :src_after, :dst_after, 'USD', now());
UPDATE balances SET balance = CASE WHEN profile_id = :src THEN :src_after ELSE :dst_after END,
                    transferred_out = CASE WHEN profile_id = :src THEN :src_out ELSE transferred_out END,
                    transferred_in = CASE WHEN profile_id = :dst THEN :dst_in ELSE transferred_in END,
                    updated_at = now()
WHERE currency_code = 'USD' AND profile_id IN (:src, :dst);
\endif
COMMIT;
