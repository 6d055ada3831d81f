-- Data for the pgbench side of BENCHMARKS.md, in a database migrated by
-- `jobpay migrate`. psql variables: clients (pay/read parties), jobs (unpaid
-- jobs per pay client), storm_funds (cents of the storm balance).
-- Ids live far above what the service assigns.

-- Balances live in `balances`, one row per (profile, currency); each
-- profile below gets its USD row at the end.

-- storm: one client holding storm_funds.
INSERT INTO profiles (id, first_name, last_name, profession, profile_type, created_at, updated_at)
VALUES (900000000, 'pgbench', 'storm', 'Benchmark', 'client', now(), now());

-- pay and read: one client, contractor and in-progress contract per pgbench
-- client, and `jobs` unpaid jobs of 1.00 per contract; clients can pay all.
INSERT INTO profiles (id, first_name, last_name, profession, profile_type, created_at, updated_at)
SELECT 1000000 + g, 'pgbench', 'client', 'Benchmark', 'client', now(), now()
FROM generate_series(0, :clients - 1) g;
INSERT INTO profiles (id, first_name, last_name, profession, profile_type, created_at, updated_at)
SELECT 2000000 + g, 'pgbench', 'contractor', 'Benchmark', 'contractor', now(), now()
FROM generate_series(0, :clients - 1) g;
INSERT INTO contracts (id, terms, status, client_id, contractor_id, created_at, updated_at)
SELECT 1000000 + g, 'pgbench', 'in_progress', 1000000 + g, 2000000 + g, now(), now()
FROM generate_series(0, :clients - 1) g;
INSERT INTO jobs (id, description, price, paid, contract_id, created_at, updated_at)
SELECT 100000000 + g * 100000 + j, 'work', 100, false, 1000000 + g, now(), now()
FROM generate_series(0, :clients - 1) g, generate_series(0, :jobs - 1) j;

-- read: fifty parties like the jobpay read scenario's: a client, a
-- contractor, an in-progress contract and five unpaid jobs of 10.00.
INSERT INTO profiles (id, first_name, last_name, profession, profile_type, created_at, updated_at)
SELECT 4000000 + g, 'pgbench', 'reader', 'Benchmark', 'client', now(), now()
FROM generate_series(0, 49) g;
INSERT INTO profiles (id, first_name, last_name, profession, profile_type, created_at, updated_at)
SELECT 5000000 + g, 'pgbench', 'reader', 'Benchmark', 'contractor', now(), now()
FROM generate_series(0, 49) g;
INSERT INTO contracts (id, terms, status, client_id, contractor_id, created_at, updated_at)
SELECT 4000000 + g, 'pgbench', 'in_progress', 4000000 + g, 5000000 + g, now(), now()
FROM generate_series(0, 49) g;
INSERT INTO jobs (id, description, price, paid, contract_id, created_at, updated_at)
SELECT 200000000 + g * 10 + j, 'work', 1000, false, 4000000 + g, now(), now()
FROM generate_series(0, 49) g, generate_series(0, 4) j;

-- pay: client k pays its jobs in id order; pay_next_<k> hands out the next.
SELECT format('CREATE SEQUENCE pay_next_%s START %s', g, 100000000 + g * 100000)
FROM generate_series(0, :clients - 1) g \gexec

-- bank: twenty accounts of 1000.00.
INSERT INTO profiles (id, first_name, last_name, profession, profile_type, created_at, updated_at)
SELECT 3000000 + g, 'pgbench', 'bank', 'Benchmark', 'client', now(), now()
FROM generate_series(0, 19) g;

-- pairs: 32 senders of 1000.00 and their 32 receivers.
INSERT INTO profiles (id, first_name, last_name, profession, profile_type, created_at, updated_at)
SELECT 6000000 + g, 'pgbench', 'sender', 'Benchmark', 'client', now(), now()
FROM generate_series(0, 31) g;
INSERT INTO profiles (id, first_name, last_name, profession, profile_type, created_at, updated_at)
SELECT 7000000 + g, 'pgbench', 'receiver', 'Benchmark', 'contractor', now(), now()
FROM generate_series(0, 31) g;

-- Every profile's USD balance (opening total = balance, as seeded data).
INSERT INTO balances (profile_id, currency_code, balance, held, opening, created_at, updated_at)
SELECT id, 'USD', b, 0, b, now(), now() FROM (
    SELECT id, CASE
        WHEN id = 900000000 THEN :storm_funds
        WHEN id BETWEEN 1000000 AND 1999999 THEN :jobs * 100
        WHEN id BETWEEN 3000000 AND 3999999 THEN 100000
        WHEN id BETWEEN 6000000 AND 6999999 THEN 100000
        ELSE 0 END AS b
    FROM profiles WHERE first_name = 'pgbench') p;

ANALYZE;
