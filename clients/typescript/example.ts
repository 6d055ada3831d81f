// A small jobpay session in TypeScript, over the stubs that buf generates
// from proto/ (see docs/clients.md and buf.gen.yaml here). CI type-checks it
// against freshly generated code (scripts/check-clients.sh), so a proto change
// that breaks TypeScript callers fails there.
//
//   npm ci
//   npx buf generate ../../proto --template buf.gen.yaml
//   npx tsc --noEmit -p tsconfig.json
//
// Money is a decimal string ("201.00"); int64 ids are bigint; instants are
// google.protobuf.Timestamp (from @bufbuild/protobuf/wkt).

import { create, toJsonString } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import type { Interceptor, Transport } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { randomUUID } from "node:crypto";

import { AdminService } from "./gen/jobpay/v1/admin_service_pb.js";
import { BalanceService } from "./gen/jobpay/v1/balance_service_pb.js";
import { ContractService } from "./gen/jobpay/v1/contract_service_pb.js";
import { JobService, PayJobRequestSchema } from "./gen/jobpay/v1/job_service_pb.js";
import type { PayJobResponse } from "./gen/jobpay/v1/job_service_pb.js";
import {
  ContractStatus,
  JobSchema,
  ProfileType,
} from "./gen/jobpay/v1/resources_pb.js";
import type { Contract, Job } from "./gen/jobpay/v1/resources_pb.js";

/** Sends the caller's profile id (and the admin key, if any) as metadata. */
function identify(profileId: bigint | undefined, adminKey?: string): Interceptor {
  return (next) => async (req) => {
    if (profileId !== undefined) req.header.set("profile_id", profileId.toString());
    if (adminKey !== undefined) req.header.set("authorization", `Bearer ${adminKey}`);
    return next(req);
  };
}

export function transportFor(baseUrl: string, profileId?: bigint, adminKey?: string): Transport {
  return createGrpcTransport({ baseUrl, interceptors: [identify(profileId, adminKey)] });
}

/** Cents from a money string ("201.5" -> 20150n): exact, unlike Number. */
export function toCents(amount: string): bigint {
  const m = /^([0-9]+)(?:\.([0-9]{1,2}))?$/.exec(amount);
  if (m === null) throw new RangeError(`not an amount: ${amount}`);
  const whole = m[1] ?? "0";
  const frac = (m[2] ?? "").padEnd(2, "0");
  return BigInt(whole) * 100n + BigInt(frac);
}

function when(ts: Timestamp | undefined): string {
  return ts === undefined ? "-" : timestampDate(ts).toISOString();
}

function describe(c: Contract): string {
  return `contract ${c.id} ${ContractStatus[c.status]} client=${c.clientId} contractor=${c.contractorId} since ${when(c.createTime)}`;
}

/** Pays a job; retries UNAVAILABLE/ABORTED with the same request_id. */
export async function payJob(transport: Transport, jobId: bigint, attempts = 4): Promise<PayJobResponse> {
  const jobs = createClient(JobService, transport);
  const request = create(PayJobRequestSchema, { jobId, requestId: randomUUID() });
  for (let attempt = 1; ; attempt++) {
    try {
      return await jobs.payJob(request);
    } catch (err) {
      const e = ConnectError.from(err);
      const retryable = e.code === Code.Unavailable || e.code === Code.Aborted;
      if (!retryable || attempt >= attempts) throw e;
      await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** (attempt - 1)));
    }
  }
}

export async function session(baseUrl: string, adminKey: string): Promise<void> {
  const harry = transportFor(baseUrl, 1n);
  const contracts = createClient(ContractService, harry);
  const balances = createClient(BalanceService, harry);

  // Every page of the caller's contracts.
  let pageToken = "";
  do {
    const page = await contracts.listContracts({ pageSize: 10, pageToken });
    page.contracts.forEach((c) => console.log(describe(c)));
    pageToken = page.nextPageToken;
  } while (pageToken !== "");

  const unpaid: Job[] = (await createClient(JobService, harry).listUnpaidJobs({})).jobs;
  for (const job of unpaid) {
    try {
      const paid = await payJob(harry, job.id);
      console.log(`paid job ${paid.job?.id}: balance now ${paid.clientBalance}`);
    } catch (err) {
      const e = ConnectError.from(err);
      if (e.code === Code.FailedPrecondition) {
        console.log(`cannot pay job ${job.id} (${job.price}): ${e.rawMessage}`);
      } else {
        throw e;
      }
    }
  }

  const { balance } = await balances.getBalance({});
  console.log(`balance ${balance} = ${toCents(balance)} cents`);
  const deposited = await balances.deposit({ profileId: 1n, amount: "10.00", requestId: randomUUID() });
  console.log(`after deposit: ${deposited.balance}`);
  for (const entry of (await balances.listLedgerEntries({ pageSize: 5 })).entries) {
    console.log(`#${entry.id} ${entry.amount} at ${when(entry.createTime)}`);
  }

  const admin = createClient(AdminService, transportFor(baseUrl, undefined, adminKey));
  const best = await admin.getBestProfession({ start: "2020-08-01", end: "2020-08-31" });
  console.log(`best profession: ${best.profession} earned ${best.earned}`);
  const { clients } = await admin.listBestClients({ start: "2020-08-01", end: "2020-08-31", limit: 3 });
  clients.forEach((c, i) => console.log(`${i + 1}. ${c.fullName} (${c.id}) paid ${c.paid}`));
  const profile = await admin.createProfile({
    firstName: "Grace",
    lastName: "Hopper",
    profession: "Programmer",
    type: ProfileType.CONTRACTOR,
  });
  console.log(`created profile ${profile.id} with balance ${profile.balance}`);

  // Messages serialize to the canonical JSON mapping (the format of buf curl).
  console.log(toJsonString(JobSchema, create(JobSchema, { id: 1n, price: "1.00" })));
}
