-- GetContract: authenticate the caller, then its contract.
\set k random(0, :clients - 1)
SELECT * FROM profiles WHERE id = 1000000 + :k;
SELECT * FROM contracts
WHERE id = 1000000 + :k AND (client_id = 1000000 + :k OR contractor_id = 1000000 + :k);
