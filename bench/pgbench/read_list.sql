-- ListUnpaidJobs, as jobpay runs it: authenticate the caller (here a
-- contractor), then its outstanding jobs, first page (50 + 1 rows), sorted by
-- `id + 0` as jobpay sorts them.
\set k random(0, 49)
SELECT * FROM profiles WHERE id = 5000000 + :k;
SELECT j.* FROM jobs j JOIN contracts c ON c.id = j.contract_id
WHERE (c.client_id = 5000000 + :k OR c.contractor_id = 5000000 + :k)
  AND c.status = 'in_progress' AND NOT j.paid
ORDER BY j.id + 0 LIMIT 51;
