-- Transfer between two of twenty accounts: lock both balance rows in key
-- order, read them,
-- decide, append the ledger entry, write both balances with their
-- transferred totals. SERIALIZABLE.
\set a random(0, 19)
\set d random(1, 19)
\set amount random(1, 1000)
\set src 3000000 + :a
\set dst 3000000 + (:a + :d) % 20
BEGIN ISOLATION LEVEL SERIALIZABLE READ WRITE;
-- Locks in key order first, as jobpay does: no deadlock between clients.
SELECT 1 FROM balances WHERE currency_code = 'USD' AND profile_id IN (:src, :dst)
ORDER BY profile_id FOR UPDATE;
SELECT p.balance - p.held - :amount AS left_over, p.balance - :amount AS src_after,
       p.transferred_out + :amount AS src_out,
       q.balance + :amount AS dst_after, q.transferred_in + :amount AS dst_in
FROM balances p, balances q
WHERE p.profile_id = :src AND p.currency_code = 'USD'
  AND q.profile_id = :dst AND q.currency_code = 'USD' \gset
\if :left_over >= 0
INSERT INTO ledger_entries (kind, debit_profile_id, credit_profile_id, amount,
                            debit_balance_after, credit_balance_after, currency_code, created_at)
VALUES ('transfer', :src, :dst, :amount, :src_after, :dst_after, 'USD', now());
UPDATE balances SET balance = CASE WHEN profile_id = :src THEN :src_after ELSE :dst_after END,
                    transferred_out = CASE WHEN profile_id = :src THEN :src_out ELSE transferred_out END,
                    transferred_in = CASE WHEN profile_id = :dst THEN :dst_in ELSE transferred_in END,
                    updated_at = now()
WHERE currency_code = 'USD' AND profile_id IN (:src, :dst);
\endif
COMMIT;
