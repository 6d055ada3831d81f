-- PayJob: pgbench client k pays the next job of its own contract (ids from
-- the sequence pay_next_<k>), with the statements jobpay runs for a batch of
-- one: read the job with its contract, read both balances, append the ledger
-- entry, write both balances, mark the job paid. SERIALIZABLE.
SELECT nextval(('pay_next_' || :client_id)::regclass) AS job \gset
BEGIN ISOLATION LEVEL SERIALIZABLE READ WRITE;
SELECT j.price AS price, c.client_id AS payer, c.contractor_id AS payee
FROM jobs j JOIN contracts c ON c.id = j.contract_id
WHERE j.id = :job \gset
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
