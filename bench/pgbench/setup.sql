-- Data for the pgbench side of BENCHMARKS.md, in a database migrated by
-- `jobpay migrate`. psql variables: clients (pay/read parties), jobs (unpaid
-- jobs per pay client), storm_funds (cents of the storm balance).
-- Ids live far above what the service assigns.

-- storm: one client holding storm_funds.
INSERT INTO profiles (id, first_name, last_name, profession, profile_type, balance, created_at, updated_at)
VALUES (900000000, 'pgbench', 'storm', 'Benchmark', 'client', :storm_funds, now(), now());

-- pay and read: one client, contractor and in-progress contract per pgbench
-- client, and `jobs` unpaid jobs of 1.00 per contract; clients can pay all.
INSERT INTO profiles (id, first_name, last_name, profession, profile_type, balance, created_at, updated_at)
SELECT 1000000 + g, 'pgbench', 'client', 'Benchmark', 'client', :jobs * 100, now(), now()
FROM generate_series(0, :clients - 1) g;
INSERT INTO profiles (id, first_name, last_name, profession, profile_type, balance, created_at, updated_at)
SELECT 2000000 + g, 'pgbench', 'contractor', 'Benchmark', 'contractor', 0, now(), now()
FROM generate_series(0, :clients - 1) g;
INSERT INTO contracts (id, terms, status, client_id, contractor_id, created_at, updated_at)
SELECT 1000000 + g, 'pgbench', 'in_progress', 1000000 + g, 2000000 + g, now(), now()
FROM generate_series(0, :clients - 1) g;
INSERT INTO jobs (id, description, price, paid, contract_id, created_at, updated_at)
SELECT 100000000 + g * 100000 + j, 'work', 100, false, 1000000 + g, now(), now()
FROM generate_series(0, :clients - 1) g, generate_series(0, :jobs - 1) j;

-- read: fifty parties like the jobpay read scenario's: a client, a
-- contractor, an in-progress contract and five unpaid jobs of 10.00.
INSERT INTO profiles (id, first_name, last_name, profession, profile_type, balance, created_at, updated_at)
SELECT 4000000 + g, 'pgbench', 'reader', 'Benchmark', 'client', 0, now(), now()
FROM generate_series(0, 49) g;
INSERT INTO profiles (id, first_name, last_name, profession, profile_type, balance, created_at, updated_at)
SELECT 5000000 + g, 'pgbench', 'reader', 'Benchmark', 'contractor', 0, now(), now()
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
INSERT INTO profiles (id, first_name, last_name, profession, profile_type, balance, created_at, updated_at)
SELECT 3000000 + g, 'pgbench', 'bank', 'Benchmark', 'client', 100000, now(), now()
FROM generate_series(0, 19) g;

ANALYZE;
