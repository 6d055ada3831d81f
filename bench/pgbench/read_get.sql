-- GetContract, as jobpay runs it: authenticate the caller, then the
-- contract if the caller is a party. One of fifty read parties.
\set k random(0, 49)
SELECT * FROM profiles WHERE id = 4000000 + :k;
SELECT * FROM contracts
WHERE id = 4000000 + :k AND (client_id = 4000000 + :k OR contractor_id = 4000000 + :k);
