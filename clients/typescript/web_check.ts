// Calls every method of jobpay.v1 from JavaScript the way a browser does:
// @connectrpc/connect-web over fetch (Node's global fetch here), first with
// gRPC-Web (createGrpcWebTransport, application/grpc-web+proto), then with the
// Connect protocol's unary JSON (createConnectTransport, application/json).
// Run by scripts/check-web.sh (part of scripts/check-clients.sh) against a
// fresh `jobpay serve --demo`, compiled with tsc together with the stubs that
// buf generates from proto/ (buf.gen.yaml here).
//
//   node web_check.js <base-url> [proto-dir]     (admin key: $JOBPAY_ADMIN_KEY)
//
// 1. Waits until the server answers (UNAVAILABLE until its database is up).
// 2. A few calls with asserted results, on both transports: GetContract{id: 2}
//    as profile 1 returns contract 2, GetBalance returns a money string, and
//    GetContract{id: 999} is NOT_FOUND with a google.rpc.ErrorInfo detail
//    (reason CONTRACT_NOT_FOUND, domain jobpay).
// 3. Every method of every service in the generated descriptors (gen/jobpay/v1,
//    cross-checked against the rpc lines of proto-dir when given), with a
//    default request and the metadata profile_id: 1 and authorization: Bearer
//    <admin key>, once per transport. Success or any status code but UNKNOWN
//    and INTERNAL is a clear answer; UNKNOWN/INTERNAL (a server bug, a
//    protocol mismatch, an unparsable response) or a method not called fails.
// Exit status 0 when everything passed, 1 otherwise (with the list).

import { create, createFileRegistry } from "@bufbuild/protobuf";
import type { DescMethod, DescMethodUnary, DescService, Message } from "@bufbuild/protobuf";
import type { GenMessage } from "@bufbuild/protobuf/codegenv2";
import {
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  FileDescriptorProtoSchema,
} from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import type { Interceptor, Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import { readdirSync, readFileSync } from "node:fs";

import { BalanceService } from "./gen/jobpay/v1/balance_service_pb.js";
import { ContractService } from "./gen/jobpay/v1/contract_service_pb.js";

const CALL_TIMEOUT_MS = 15_000;
const READY_TIMEOUT_MS = 60_000;

// -- google.rpc.ErrorInfo, without generating googleapis' error_details.proto:
// its descriptor built at run time (the fields that matter), enough for
// ConnectError.findDetails to decode the detail from either protocol.

type ErrorInfo = Message<"google.rpc.ErrorInfo"> & {
  reason: string;
  domain: string;
  metadata: { [key: string]: string };
};

const ErrorInfoSchema = (() => {
  const { OPTIONAL, REPEATED } = FieldDescriptorProto_Label;
  const { STRING, MESSAGE } = FieldDescriptorProto_Type;
  const field = (name: string, number: number, type = STRING, label = OPTIONAL, typeName = "") =>
    ({ name, number, type, label, typeName, jsonName: name });
  const file = create(FileDescriptorProtoSchema, {
    name: "google/rpc/error_details.proto",
    package: "google.rpc",
    syntax: "proto3",
    messageType: [{
      name: "ErrorInfo",
      field: [
        field("reason", 1),
        field("domain", 2),
        field("metadata", 3, MESSAGE, REPEATED, ".google.rpc.ErrorInfo.MetadataEntry"),
      ],
      nestedType: [{
        name: "MetadataEntry",
        field: [field("key", 1), field("value", 2)],
        options: { mapEntry: true },
      }],
    }],
  });
  const registry = createFileRegistry(file, () => undefined);
  const desc = registry.getMessage("google.rpc.ErrorInfo");
  if (desc === undefined) throw new Error("ErrorInfo descriptor did not build");
  return desc as GenMessage<ErrorInfo>;
})();

// -- transports ---------------------------------------------------------------

/** Sends the caller's profile id and the admin key as metadata (headers). */
function identify(profileId: bigint, adminKey: string): Interceptor {
  return (next) => async (req) => {
    req.header.set("profile_id", profileId.toString());
    if (adminKey !== "") req.header.set("authorization", `Bearer ${adminKey}`);
    return next(req);
  };
}

type Protocol = "grpc-web" | "connect";

function transportFor(protocol: Protocol, baseUrl: string, adminKey: string): Transport {
  const interceptors = [identify(1n, adminKey)];
  return protocol === "grpc-web"
    ? createGrpcWebTransport({ baseUrl, interceptors })
    : createConnectTransport({ baseUrl, interceptors, useBinaryFormat: false });
}

// -- the methods ----------------------------------------------------------------

/** Every service exported by the generated files of jobpay.v1. */
async function generatedServices(): Promise<DescService[]> {
  const dir = new URL("./gen/jobpay/v1/", import.meta.url);
  const services: DescService[] = [];
  for (const name of readdirSync(dir).filter((f) => f.endsWith("_pb.js")).sort()) {
    const module = (await import(new URL(name, dir).href)) as Record<string, unknown>;
    for (const value of Object.values(module)) {
      if (typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "service") {
        services.push(value as DescService);
      }
    }
  }
  return services;
}

/** "jobpay.v1.Service/Method" of every rpc in the .proto files of a directory. */
function protoMethods(protoDir: string): string[] {
  const names: string[] = [];
  for (const name of readdirSync(protoDir).filter((f) => f.endsWith(".proto")).sort()) {
    const text = readFileSync(`${protoDir}/${name}`, "utf8");
    const pkg = /^package\s+([\w.]+);/m.exec(text)?.[1] ?? "";
    for (const service of text.matchAll(/^service\s+(\w+)\s*\{([\s\S]*?)^\}/gm)) {
      for (const rpc of (service[2] ?? "").matchAll(/^\s*rpc\s+(\w+)\s*\(/gm)) {
        names.push(`${pkg}.${service[1]}/${rpc[1]}`);
      }
    }
  }
  return names;
}

const fullName = (m: DescMethod) => `${m.parent.typeName}/${m.name}`;

type Outcome = { ok: boolean; text: string };

/** Calls one method with a default request; success or a clear status code is ok. */
async function callDefault(transport: Transport, method: DescMethod): Promise<Outcome> {
  if (method.methodKind !== "unary") {
    return { ok: false, text: `not called: ${method.methodKind} methods are not covered` };
  }
  try {
    await transport.unary(method as DescMethodUnary, undefined, CALL_TIMEOUT_MS, undefined, {});
    return { ok: true, text: "OK" };
  } catch (err) {
    const e = ConnectError.from(err);
    const reason = e.findDetails(ErrorInfoSchema)[0]?.reason;
    const text = `${Code[e.code]}${reason === undefined ? "" : ` ${reason}`}`;
    if (e.code === Code.Unknown || e.code === Code.Internal) {
      return { ok: false, text: `${text}: ${e.rawMessage}` };
    }
    return { ok: true, text };
  }
}

// -- checks with asserted results -------------------------------------------------

async function waitReady(transport: Transport): Promise<void> {
  const balances = createClient(BalanceService, transport);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    try {
      await balances.getBalance({}, { timeoutMs: CALL_TIMEOUT_MS });
      return;
    } catch (err) {
      const e = ConnectError.from(err);
      if (e.code !== Code.Unavailable || Date.now() > deadline) throw e;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

async function assertedCalls(protocol: Protocol, transport: Transport): Promise<string[]> {
  const failures: string[] = [];
  const expect = (what: string, ok: boolean, got: unknown) => {
    console.log(`  ${protocol} ${what}: ${ok ? "ok" : "FAILED"} (${String(got)})`);
    if (!ok) failures.push(`${protocol} ${what}: got ${String(got)}`);
  };
  const contracts = createClient(ContractService, transport);
  const balances = createClient(BalanceService, transport);
  const options = { timeoutMs: CALL_TIMEOUT_MS };
  try {
    const contract = await contracts.getContract({ id: 2n }, options);
    expect("GetContract{id: 2} returns contract 2n", contract.id === 2n, `id ${contract.id}n, client ${contract.clientId}n`);
  } catch (err) {
    expect("GetContract{id: 2} returns contract 2n", false, ConnectError.from(err).message);
  }
  try {
    const { balance } = await balances.getBalance({}, options);
    expect("GetBalance returns a money string", /^[0-9]+\.[0-9]+$/.test(balance), JSON.stringify(balance));
  } catch (err) {
    expect("GetBalance returns a money string", false, ConnectError.from(err).message);
  }
  try {
    const contract = await contracts.getContract({ id: 999n }, options);
    expect("GetContract{id: 999} is NOT_FOUND", false, `contract ${contract.id}n`);
  } catch (err) {
    const e = ConnectError.from(err);
    expect("GetContract{id: 999} is NOT_FOUND", e.code === Code.NotFound, `${Code[e.code]}: ${e.rawMessage}`);
    const info = e.findDetails(ErrorInfoSchema)[0];
    expect(
      "GetContract{id: 999} has ErrorInfo CONTRACT_NOT_FOUND (domain jobpay)",
      info?.reason === "CONTRACT_NOT_FOUND" && info.domain === "jobpay",
      info === undefined ? `no ErrorInfo in ${e.details.length} details` : `${info.reason} ${info.domain} ${JSON.stringify(info.metadata)}`,
    );
  }
  return failures;
}

// -- main -------------------------------------------------------------------------

async function main(): Promise<number> {
  const [baseUrl, protoDir] = process.argv.slice(2);
  if (baseUrl === undefined) {
    console.error("usage: node web_check.js <base-url> [proto-dir]   (admin key: $JOBPAY_ADMIN_KEY)");
    return 2;
  }
  const adminKey = process.env["JOBPAY_ADMIN_KEY"] ?? "";
  const failures: string[] = [];

  const services = await generatedServices();
  const methods = services.flatMap((s) => s.methods);
  console.log(`${services.length} services, ${methods.length} methods in the generated descriptors`);
  if (protoDir !== undefined) {
    const generated = new Set(methods.map(fullName));
    for (const name of protoMethods(protoDir)) {
      if (!generated.has(name)) failures.push(`${name}: in ${protoDir} but not in the generated code: not called`);
    }
  }

  const protocols: Protocol[] = ["grpc-web", "connect"];
  const transports = new Map(protocols.map((p) => [p, transportFor(p, baseUrl, adminKey)] as const));
  await waitReady(transports.get("grpc-web")!);

  console.log("== calls with asserted results");
  for (const [protocol, transport] of transports) {
    failures.push(...(await assertedCalls(protocol, transport)));
  }

  const outcomes = new Map<string, Map<Protocol, Outcome>>(methods.map((m) => [fullName(m), new Map()]));
  for (const [protocol, transport] of transports) {
    for (const method of methods) {
      outcomes.get(fullName(method))!.set(protocol, await callDefault(transport, method));
    }
  }

  console.log("== every method, default request, profile_id 1 + admin key");
  const width = Math.max(...[...outcomes.keys()].map((n) => n.length));
  const called = new Map<Protocol, number>(protocols.map((p) => [p, 0]));
  for (const [name, byProtocol] of outcomes) {
    const cells = protocols.map((p) => {
      const o = byProtocol.get(p);
      if (o === undefined) {
        failures.push(`${p} ${name}: not called`);
        return `${p}: NOT CALLED`;
      }
      if (!o.text.startsWith("not called")) called.set(p, called.get(p)! + 1);
      if (!o.ok) failures.push(`${p} ${name}: ${o.text}`);
      return `${p}: ${o.ok ? "" : "FAILED "}${o.text}`;
    });
    console.log(`  ${name.padEnd(width)}  ${cells.join("  ")}`);
  }

  // The server must still answer after all that (a crash would show up as
  // UNAVAILABLE above, which counts as a clear answer).
  for (const [protocol, transport] of transports) {
    try {
      await createClient(BalanceService, transport).getBalance({}, { timeoutMs: CALL_TIMEOUT_MS });
    } catch (err) {
      failures.push(`${protocol}: GetBalance after the loop failed: ${ConnectError.from(err).message}`);
    }
  }

  console.log(protocols.map((p) => `${p}: ${called.get(p)} methods`).join(", "));
  if (failures.length > 0) {
    console.log(`web-clients: ${failures.length} failure(s):`);
    failures.forEach((f) => console.log(`  ${f}`));
    return 1;
  }
  console.log("web-clients: ok");
  return 0;
}

process.exitCode = await main().catch((err: unknown) => {
  console.error(`web-clients: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  return 1;
});
