-- ListUnpaidJobs: authenticate the caller, then its outstanding jobs, first
-- page (50 + 1 rows).
\set k random(0, :clients - 1)
SELECT * FROM profiles WHERE id = 2000000 + :k;
SELECT j.* FROM jobs j JOIN contracts c ON c.id = j.contract_id
WHERE (c.client_id = 2000000 + :k OR c.contractor_id = 2000000 + :k)
  AND c.status = 'in_progress' AND NOT j.paid
ORDER BY j.id LIMIT 51;
