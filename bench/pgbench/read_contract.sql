-- GetContract, as jobpay runs it once its caller is known (the
-- known-profiles cache answers the authentication without a statement):
-- one point read of the contract if the caller is a party, the statement
-- SeaORM builds for `contract_of_party` (src/api/contracts.rs). One of the
-- fifty read parties (setup.sql), as its client or its contractor. Run with
-- `-M prepared`, as sqlx runs it. The select half of the read limit in
-- bench/run.sh.
\set id 4000000 + random(0, 49)
\set caller :id + 1000000 * random(0, 1)
SELECT "contracts"."id", "contracts"."terms", "contracts"."status", "contracts"."client_id",
       "contracts"."contractor_id", "contracts"."currency_code", "contracts"."created_at",
       "contracts"."updated_at"
FROM "contracts"
WHERE "contracts"."id" = :id AND ("contracts"."client_id" = :caller OR "contracts"."contractor_id" = :caller)
LIMIT 1;
