-- PayJob: pgbench client k pays the next unpaid job of its own contract
-- (contract 1000000 + k), as jobpay does: read the job with its contract, read
-- both balances, append the ledger entry, write both balances, mark the job
-- paid. SERIALIZABLE.
BEGIN ISOLATION LEVEL SERIALIZABLE READ WRITE;
SELECT j.id AS job, j.price AS price, c.client_id AS payer, c.contractor_id AS payee
FROM jobs j JOIN contracts c ON c.id = j.contract_id
WHERE j.contract_id = 1000000 + :client_id AND NOT j.paid AND c.status = 'in_progress'
ORDER BY j.id LIMIT 1 \gset
SELECT p.balance - :price AS payer_after, q.balance + :price AS payee_after
FROM profiles p, profiles q WHERE p.id = :payer AND q.id = :payee \gset
INSERT INTO ledger_entries (kind, debit_profile_id, credit_profile_id, amount, job_id,
                            debit_balance_after, credit_balance_after, created_at)
VALUES ('job_payment', :payer, :payee, :price, :job, :payer_after, :payee_after, now());
UPDATE profiles SET balance = CASE WHEN id = :payer THEN :payer_after ELSE :payee_after END,
                    updated_at = now()
WHERE id IN (:payer, :payee);
UPDATE jobs SET paid = true, payment_time = now(), updated_at = now() WHERE id = :job;
COMMIT;
