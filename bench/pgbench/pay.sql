-- PayJob: pgbench client k pays the next job of its own contract (ids from
-- the sequence pay_next_<k>), with the statements jobpay runs for a batch of
-- one: read the job with its contract, lock and read both balance rows,
-- append the ledger entry, write both balances with their spent / earned
-- totals, mark the job paid. SERIALIZABLE.
SELECT nextval(('pay_next_' || :client_id)::regclass) AS job \gset
BEGIN ISOLATION LEVEL SERIALIZABLE READ WRITE;
SELECT j.price AS price, c.client_id AS payer, c.contractor_id AS payee
FROM jobs j JOIN contracts c ON c.id = j.contract_id
WHERE j.id = :job \gset
-- Locks in key order first, as jobpay does.
SELECT 1 FROM balances WHERE currency_code = 'USD' AND profile_id IN (:payer, :payee)
ORDER BY profile_id FOR UPDATE;
SELECT p.balance - :price AS payer_after, p.spent + :price AS payer_spent,
       q.balance + :price AS payee_after, q.earned + :price AS payee_earned
FROM balances p, balances q
WHERE p.profile_id = :payer AND p.currency_code = 'USD'
  AND q.profile_id = :payee AND q.currency_code = 'USD' \gset
INSERT INTO ledger_entries (kind, debit_profile_id, credit_profile_id, amount, job_id,
                            debit_balance_after, credit_balance_after, currency_code, created_at)
VALUES ('job_payment', :payer, :payee, :price, :job, :payer_after, :payee_after, 'USD', now());
UPDATE balances SET balance = CASE WHEN profile_id = :payer THEN :payer_after ELSE :payee_after END,
                    spent = CASE WHEN profile_id = :payer THEN :payer_spent ELSE spent END,
                    earned = CASE WHEN profile_id = :payee THEN :payee_earned ELSE earned END,
                    updated_at = now()
WHERE currency_code = 'USD' AND profile_id IN (:payer, :payee);
UPDATE jobs SET paid = true, payment_time = now(), updated_at = now() WHERE id = :job;
COMMIT;
