-- Transfer between two of twenty accounts: read both balances, decide,
-- append the ledger entry, write both balances. SERIALIZABLE.
\set a random(0, 19)
\set d random(1, 19)
\set amount random(1, 1000)
\set src 3000000 + :a
\set dst 3000000 + (:a + :d) % 20
BEGIN ISOLATION LEVEL SERIALIZABLE READ WRITE;
SELECT p.balance - :amount AS src_after, q.balance + :amount AS dst_after
FROM profiles p, profiles q WHERE p.id = :src AND q.id = :dst \gset
\if :src_after >= 0
INSERT INTO ledger_entries (kind, debit_profile_id, credit_profile_id, amount,
                            debit_balance_after, credit_balance_after, created_at)
VALUES ('transfer', :src, :dst, :amount, :src_after, :dst_after, now());
UPDATE profiles SET balance = CASE WHEN id = :src THEN :src_after ELSE :dst_after END,
                    updated_at = now()
WHERE id IN (:src, :dst);
\endif
COMMIT;
