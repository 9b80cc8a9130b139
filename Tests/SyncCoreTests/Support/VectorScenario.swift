import Foundation
import Synchronization

@testable import SyncCore

/// The scenario the golden vectors in protocol/vectors/ come from: two workstations edit one
/// order, a third cancels it from an old view, and central settles it all. Every request and
/// reply of the scenario is a vector; the tests check that the code still produces exactly
/// those bytes and that each vector decodes and re-encodes to itself.
enum VectorScenario {
    /// 2025-11-25 14:00:00 UTC.
    static let t0: UInt64 = 1_764_079_200_000

    static func hlc(_ offsetMillis: UInt64, _ counter: UInt16 = 0) -> HLC {
        HLC(millis: t0 + offsetMillis, counter: counter)
    }

    static func change(
        _ node: String, _ sequence: Int64, _ hlc: HLC, _ entity: EntityKind, _ rowID: String, _ op: ChangeOperation,
        _ fields: [String: FieldValue], base: Int64
    ) -> Change {
        Change(
            nodeID: node, sequence: sequence, hlc: hlc, entity: entity, rowID: rowID, orderID: "o-1001",
            operation: op, fields: fields, author: node == "W1" ? "maria@kct.example" : "james@kct.example",
            baseVersion: base)
    }

    static let createPush = PushRequest(
        nodeID: "W2",
        changes: [
            change(
                "W2", 1, hlc(0), .order, "o-1001", .setFields,
                [
                    "order_number": .text("S01-W2-0001"), "customer_name": .text("Ada Lovelace"),
                    "customer_email": .text("ada@example.com"), "currency": .text("USD"),
                    "priority": .text("wedding_party"),
                    "tax_amount": .integer(8000), "shipping_amount": .integer(0), "needed_by": .text("2026-06-20"),
                    "shipping_address": .text(#"{"city":"Kalamazoo","line1":"1 Main St"}"#),
                    "status": .text("pending_payment"),
                    "created_at": .text("2025-11-25T14:00:00.000Z"), "created_by": .text("james@kct.example"),
                ], base: 0),
            change(
                "W2", 2, hlc(0, 1), .orderItem, "i-2001", .setFields,
                [
                    "order_id": .text("o-1001"), "line_number": .integer(1),
                    "product_name": .text("Navy Suit"), "product_source": .text("custom"), "quantity": .integer(1),
                    "unit_price": .integer(89900), "size": .text("40R"), "color": .text("navy"),
                    "custom_measurements": .text(#"{"chest":40,"waist":34}"#),
                ], base: 0),
            change("W2", 3, hlc(60_000), .order, "o-1001", .setFields, ["notes": .text("gift wrap")], base: 0),
        ])

    /// W1 had pulled W2's first two changes (base 2), then edited offline.
    static let editPush = PushRequest(
        nodeID: "W1",
        changes: [
            change(
                "W1", 1, hlc(30_000), .order, "o-1001", .setFields, ["notes": .text("call before shipping")], base: 2),
            change(
                "W1", 2, hlc(31_000), .order, "o-1001", .setFields,
                ["priority": .text("urgent"), "customer_phone": .text("555-0100")], base: 2),
            change(
                "W1", 3, hlc(50_000), .order, "o-1001", .setStatus,
                [
                    "status": .text("payment_confirmed"), "from_status": .text("pending_payment"),
                    "resume_status": .null,
                    "note": .text("paid in shop"),
                ], base: 2),
            change(
                "W1", 4, hlc(50_000, 1), .statusHistory, "h-3001", .append,
                [
                    "from_status": .text("pending_payment"), "to_status": .text("payment_confirmed"),
                    "changed_by": .text("maria@kct.example"), "changed_at": .text("2025-11-25T14:00:50.000Z"),
                    "note": .text("paid in shop"), "order_id": .text("o-1001"),
                ], base: 2),
            change("W1", 5, hlc(51_000), .order, "o-1001", .setFields, ["payment_status": .text("paid")], base: 2),
            change("W1", 6, hlc(2 * 86_400_000), .orderItem, "i-2001", .setFields, ["quantity": .integer(2)], base: 2),
            change(
                "W1", 7, hlc(2 * 86_400_000, 1), .orderItem, "i-2002", .setFields,
                [
                    "product_name": .text("Silk Tie"), "quantity": .integer(-1), "unit_price": .integer(4500),
                ], base: 2),
        ])

    /// W3 had pulled up to version 3 and cancelled the order at an earlier time than W1's
    /// payment confirmation reached central.
    static let cancelPush = PushRequest(
        nodeID: "W3",
        changes: [
            Change(
                nodeID: "W3", sequence: 1, hlc: hlc(40_000), entity: .order, rowID: "o-1001", orderID: "o-1001",
                operation: .setStatus,
                fields: [
                    "status": .text("cancelled"), "from_status": .text("pending_payment"),
                    "note": .text("customer called to cancel"),
                ],
                author: "lee@kct.example", baseVersion: 3)
        ])

    /// Every vector: file name and content.
    static func vectors() -> [(name: String, value: JSONValue)] {
        var central = CentralModel()
        var result: [(String, JSONValue)] = []
        func push(_ request: PushRequest, at offset: UInt64) -> JSONValue {
            do {
                return try central.push(request, authenticatedNode: request.nodeID, nowMillis: t0 + offset).wire
            } catch {
                return error.wire
            }
        }
        result.append(("push-request-create.json", createPush.wire))
        result.append(("push-response-create.json", push(createPush, at: 61_000)))
        result.append(("push-request-edits.json", editPush.wire))
        result.append(("push-response-edits.json", push(editPush, at: 62_000)))
        let resend = PushRequest(nodeID: "W1", changes: Array(editPush.changes.suffix(3)))
        result.append(("push-request-resend.json", resend.wire))
        result.append(("push-response-resend.json", push(resend, at: 63_000)))
        result.append(("push-request-cancel.json", cancelPush.wire))
        result.append(("push-response-cancel.json", push(cancelPush, at: 64_000)))
        var gap = editPush.changes[0]
        gap.sequence = 9
        result.append(("error-sequence-gap.json", push(PushRequest(nodeID: "W1", changes: [gap]), at: 65_000)))
        var reused = editPush.changes[0]
        reused.fields = ["notes": .text("typed after a restore from backup")]
        result.append(("error-sequence-reused.json", push(PushRequest(nodeID: "W1", changes: [reused]), at: 66_000)))
        result.append(("pull-response.json", central.pull(PullRequest(after: 7, limit: 2)).wire))
        result.append(("pull-response-first-page.json", central.pull(PullRequest(after: 0, limit: 2)).wire))
        result.append(("stream-event.json", StreamEvent(headVersion: central.headVersion).wire))
        result.append(("health-response.json", HealthResponse(headVersion: central.headVersion).wire))
        let versionError = ErrorResponse(VersionMismatch(peerVersion: 1, supported: ProtocolVersion.supported))
        result.append(("error-unsupported-version.json", versionError.wire))
        guard case .object(var request) = editPush.wire, case .array(var changes) = request["changes"],
            case .object(var first) = changes[0]
        else { preconditionFailure("a push request is an object") }
        first["op"] = .string("frobnicate")
        changes[0] = .object(first)
        request["changes"] = .array(changes)
        do {
            _ = try PushRequest.decode(JSONValue.object(request).canonicalBytes)
        } catch {
            result.append(("error-invalid-message.json", ErrorResponse(error).wire))
        }
        result.append(("replica-snapshot.json", central.replica.snapshot))
        // Version 3: the first page of a snapshot of the same replica, and a pull from below the
        // compaction horizon.
        result.append(
            (
                "snapshot-page.json",
                central.replica.snapshotPage(
                    after: nil, limit: 1000, version: central.headVersion, headVersion: central.headVersion,
                    ordersTotal: 1
                ).wire
            ))
        result.append(
            (
                "error-cursor-compacted.json",
                ErrorResponse(
                    code: .cursorCompacted,
                    message: "central's log starts after version 5, beyond this node's cursor 2; bootstrap from a "
                        + "snapshot (GET /v1/snapshot), keeping the outbox"
                ).wire
            ))
        result += checksumVectors(central.replica, version: central.headVersion)
        finalReplicaBox.withLock { $0 = central.replica }
        result += accountVectors()
        result += claimVectors()
        result += integrationVectors()
        return result
    }

    /// Protocol version 2 (SYNC-PROTOCOL.md §4.8): W2, offline, asks for a payment and an
    /// e-mail; central settles the requests, then answers them with its own changes (the
    /// PaymentIntent, and after Stripe's webhook the payment facts and the move to
    /// payment_confirmed), which every node pulls.
    static func integrationVectors() -> [(name: String, value: JSONValue)] {
        var central = CentralModel()
        _ = try? central.push(
            PushRequest(nodeID: "W2", changes: Array(createPush.changes.prefix(2))), authenticatedNode: "W2",
            nowMillis: t0 + 1_000)
        let requests = PushRequest(
            nodeID: "W2",
            changes: [
                change(
                    "W2", 3, hlc(90_000), .integrationRequest, "r-4001", .append,
                    [
                        "order_id": .text("o-1001"), "request_kind": .text("payment"),
                        "created_at": .text("2025-11-25T14:01:30.000Z"), "created_by": .text("james@kct.example"),
                    ], base: 2),
                change(
                    "W2", 4, hlc(91_000), .integrationRequest, "r-4002", .append,
                    [
                        "order_id": .text("o-1001"), "request_kind": .text("email"),
                        "template": .text("order_confirmation"), "created_at": .text("2025-11-25T14:01:31.000Z"),
                        "created_by": .text("james@kct.example"),
                    ], base: 2),
                // A workstation cannot write the answer itself: rejected central_only_field.
                change(
                    "W2", 5, hlc(92_000), .integrationRequest, "r-4001", .setFields,
                    ["request_state": .text("succeeded")], base: 2),
            ])
        var result: [(String, JSONValue)] = [("push-request-integrations.json", requests.wire)]
        do {
            result.append(
                (
                    "push-response-integrations.json",
                    try central.push(requests, authenticatedNode: "W2", nowMillis: t0 + 120_000).wire
                ))
        } catch {
            result.append(("push-response-integrations.json", error.wire))
        }
        let cursor = central.headVersion
        let answeredAt = "2025-11-25T14:02:01.000Z"
        _ = central.author(
            entity: .order, rowID: "o-1001", orderID: "o-1001", operation: .setFields,
            fields: [
                "stripe_payment_intent_id": .text("pi_3Q0vectors"), "payment_status": .text("requires_payment_method"),
                "payment_amount": .integer(97_900),
            ], author: "central", nowMillis: t0 + 121_000)
        _ = central.author(
            entity: .integrationRequest, rowID: "r-4001", orderID: "o-1001", operation: .setFields,
            fields: [
                "request_state": .text("succeeded"), "answered_at": .text(answeredAt),
                "answer": .text("PaymentIntent pi_3Q0vectors for 979.00 USD; the customer pays with its client secret"),
            ], author: "central", nowMillis: t0 + 121_000)
        _ = central.author(
            entity: .order, rowID: "o-1001", orderID: "o-1001", operation: .setFields,
            fields: ["payment_status": .text("succeeded"), "payment_method": .text("card")], author: "central",
            nowMillis: t0 + 150_000)
        _ = central.author(
            entity: .order, rowID: "o-1001", orderID: "o-1001", operation: .setStatus,
            fields: [
                "status": .text("payment_confirmed"), "from_status": .text("pending_payment"),
                "note": .text("Stripe payment_intent.succeeded"),
            ], author: "central", nowMillis: t0 + 150_000)
        result.append(
            ("pull-response-integrations.json", central.pull(PullRequest(after: cursor, limit: 10)).wire))
        return result
    }

    /// Queue claims (issue 11): on a fresh central, W2 takes its order, claims it and releases
    /// the claim; central logs both appends (who holds an order is the claim rule's, not central's).
    static func claimVectors() -> [(name: String, value: JSONValue)] {
        var central = CentralModel()
        _ = try? central.push(createPush, authenticatedNode: "W2", nowMillis: t0 + 61_000)
        let claim: [String: FieldValue] = [
            "order_id": .text("o-1001"), "claim_action": .text("claim"), "stage": .text("pending_payment"),
            "claimed_by": .text("james@kct.example"), "created_at": .text("2025-11-25T14:05:00.000Z"),
        ]
        let release: [String: FieldValue] = [
            "order_id": .text("o-1001"), "claim_action": .text("release"), "stage": .text("pending_payment"),
            "claimed_by": .text("james@kct.example"), "released_claim_id": .text("c-4001"),
            "created_at": .text("2025-11-25T14:20:00.000Z"),
        ]
        let request = PushRequest(
            nodeID: "W2",
            changes: [
                change("W2", 4, hlc(300_000), .claim, "c-4001", .append, claim, base: 3),
                change("W2", 5, hlc(1_200_000), .claim, "c-4002", .append, release, base: 3),
            ])
        let response: JSONValue
        do {
            response = try central.push(request, authenticatedNode: "W2", nowMillis: t0 + 1_300_000).wire
        } catch {
            response = error.wire
        }
        return [("push-request-claims.json", request.wire), ("push-response-claims.json", response)]
    }

    /// Staff accounts and the audit upload (issue 5): maria and james as central would serve
    /// them (hashes of "correct horse battery" and "another long passphrase", fixed salts), W1's
    /// sign-in events, central's reply to their second upload, and a rate-limited request.
    static func accountVectors() -> [(name: String, value: JSONValue)] {
        let accounts = AccountsResponse(
            accounts: [
                StaffAccount(
                    email: "james@kct.example", name: "James Carter", role: .processor,
                    passwordHash: "scrypt$15$8$1$EBESExQVFhcYGRobHB0eHw$jq9UmAqbuSRL12tzlAYBla3-2WgNog0Z9oiTQ3fQnDg",
                    disabled: false, version: 3),
                StaffAccount(
                    email: "maria@kct.example", name: "Maria Lopez", role: .manager,
                    passwordHash: "scrypt$15$8$1$AAECAwQFBgcICQoLDA0ODw$xy6UCICz8Vv_P6JqOkkUD4DOmhxN0tXSe6sQAUBxupQ",
                    disabled: false, version: 2),
            ], version: 3)
        let upload = AuditUploadRequest(
            nodeID: "W1",
            events: [
                AuthEvent(
                    id: "8d0f6c2e-5b1a-4c4e-9f7d-2a3b4c5d6e01", kind: .signInFailed, email: "maria@kct.example",
                    at: "2025-11-25T13:59:40.000Z", detail: "cli: wrong password"),
                AuthEvent(
                    id: "8d0f6c2e-5b1a-4c4e-9f7d-2a3b4c5d6e02", kind: .signIn, email: "maria@kct.example",
                    at: "2025-11-25T13:59:52.000Z", detail: "cli"),
            ])
        return [
            ("accounts-response.json", accounts.wire),
            ("audit-upload-request.json", upload.wire),
            ("audit-upload-response.json", AuditUploadResponse(recorded: 1, duplicates: 1).wire),
            (
                "error-rate-limited.json",
                ErrorResponse(
                    code: .rateLimited,
                    message: "too many requests for this token (at most 50.0 per second, bursts of 200); retry in 1 s"
                ).wire
            ),
        ]
    }

    /// Central's replica at the end of the scenario (runs it when needed).
    static func finalReplica() -> ReplicaModel? {
        if finalReplicaBox.withLock({ $0 }) == nil { _ = vectors() }
        return finalReplicaBox.withLock { $0 }
    }

    private static let finalReplicaBox = Mutex<ReplicaModel?>(nil)

    /// Checksums of central's replica at the end (SYNC-PROTOCOL.md §4.11): every bucket's, the
    /// bucket of order o-1001 in full, and that order's canonical bytes and digest.
    static func checksumVectors(_ replica: ReplicaModel, version: Int64) -> [(name: String, value: JSONValue)] {
        let checksums = ChecksumsResponse(version: version, buckets: replica.bucketChecksums().buckets)
        let bucket = BucketChecksum.bucket(ofOrder: "o-1001")
        let orders = replica.orderIDs.filter { BucketChecksum.bucket(ofOrder: $0) == bucket }
        let response = BucketResponse(
            version: version, bucket: bucket, orders: orders.map { replica.orderState(ofOrder: $0) })
        let visible = replica.orderState(ofOrder: "o-1001").visible!
        let encoding = JSONValue.object([
            "order_id": .string("o-1001"), "bucket": .integer(Int64(bucket)),
            "canonical_bytes": .string(visible.canonicalBytes.map { String(format: "%02x", $0) }.joined()),
            "digest": .string(visible.digest.hex),
        ])
        return [
            ("checksums-response.json", checksums.wire), ("bucket-response.json", response.wire),
            ("order-checksum.json", encoding),
        ]
    }

    /// The decoder for each vector, so the golden test can decode and re-encode it.
    static func roundTrip(_ name: String, _ value: JSONValue) throws(SyncDecodingError) -> JSONValue? {
        switch name {
        case let n where n.hasPrefix("push-request"): try PushRequest(wire: value, path: "").wire
        case let n where n.hasPrefix("push-response"): try PushResponse(wire: value, path: "").wire
        case let n where n.hasPrefix("pull-response"): try PullResponse(wire: value, path: "").wire
        case let n where n.hasPrefix("error-"): try ErrorResponse(wire: value, path: "").wire
        case "stream-event.json": try StreamEvent(wire: value, path: "").wire
        case "health-response.json": try HealthResponse(wire: value, path: "").wire
        case "accounts-response.json": try AccountsResponse(wire: value, path: "").wire
        case "audit-upload-request.json": try AuditUploadRequest(wire: value, path: "").wire
        case "audit-upload-response.json": try AuditUploadResponse(wire: value, path: "").wire
        case "snapshot-page.json": try SnapshotPage(wire: value, path: "").wire
        case "checksums-response.json": try ChecksumsResponse(wire: value, path: "").wire
        case "bucket-response.json": try BucketResponse(wire: value, path: "").wire
        default: nil
        }
    }

    /// Schema file for each vector.
    static func schema(for name: String) -> String? {
        switch name {
        case let n where n.hasPrefix("push-request"): "push-request.schema.json"
        case let n where n.hasPrefix("push-response"): "push-response.schema.json"
        case let n where n.hasPrefix("pull-response"): "pull-response.schema.json"
        case let n where n.hasPrefix("error-"): "error-response.schema.json"
        case "stream-event.json": "stream-event.schema.json"
        case "health-response.json": "health-response.schema.json"
        case "replica-snapshot.json": "replica-snapshot.schema.json"
        case "accounts-response.json": "accounts-response.schema.json"
        case "audit-upload-request.json": "audit-upload-request.schema.json"
        case "audit-upload-response.json": "audit-upload-response.schema.json"
        case "snapshot-page.json": "snapshot-page.schema.json"
        case "checksums-response.json": "checksums-response.schema.json"
        case "bucket-response.json": "bucket-response.schema.json"
        case "order-checksum.json": "order-checksum.schema.json"
        default: nil
        }
    }
}
