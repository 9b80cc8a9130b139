import EventLoop
import Foundation
import HTTP
import Integrations
import ProviderStandIns
import SQLAccess
import SyncCore
import TestSupport
import Testing

@testable import Central

/// The effects ledger against the Stripe stand-in: one PaymentIntent per request whatever the
/// provider does, answers published as central's changes, webhooks verified and de-duplicated,
/// one refund per order, and "not configured" said plainly.
@Suite(.serialized) struct EffectsLedgerTests {
    /// Central serving on loopback with Stripe pointed at a stand-in; W1 registered.
    struct Fixture {
        let storage: TestStoreLocation
        let service: CentralService
        let stripe: StripeStandIn?
        let client: TestClient
        let w1: String

        static func start(_ backend: CentralBackend, stripe configured: Bool = true) async throws -> Fixture {
            let storage = try TestStoreLocation(backend)
            let store = try CentralStore.create(at: storage.location)
            let w1 = try store.addNode(name: "W1", shop: "S01").token
            try Staff.addEveryRole(store)
            let stripe = configured ? try await StripeStandIn.start() : nil
            let integrations = IntegrationsConfiguration(
                stripe: stripe.map { stand in
                    StripeConfiguration(
                        secretKey: ProviderSecret(stand.secretKey), webhookSecret: ProviderSecret(stand.webhookSecret),
                        baseURL: stand.baseURL)
                })
            let service = try await CentralService.start(
                location: storage.location, options: CentralServeOptions(integrations: integrations))
            return Fixture(
                storage: storage, service: service, stripe: stripe, client: try await TestClient.start(), w1: w1)
        }

        func stop() async throws {
            try await client.stop()
            try await service.stop()
            try await stripe?.stop()
            storage.remove()
        }

        var store: CentralStore { service.store }

        func push(_ changes: [Change]) async throws -> PushResponse {
            let response = try await client.send(
                .post, service.baseURL + "/v1/push",
                headers: ["Content-Type": "application/json", "Authorization": "Bearer \(w1)"],
                body: PushRequest(nodeID: "n-w1", changes: changes).encoded())
            #expect(response.status.code == 200)
            return try PushResponse.decode(response.body)
        }

        /// Waits until `condition` holds (the runner works in the background), for up to 20 s.
        func eventually(_ what: String, _ condition: () throws -> Bool) async throws {
            for _ in 0..<400 {
                if try condition() { return }
                try await Task.sleep(for: .milliseconds(50))
            }
            Issue.record("timed out waiting for \(what)")
        }

        func effect(kind: String) throws -> EffectRecord? {
            try store.effects().first { $0.kind.rawValue == kind }
        }

        /// The order's fields in central's replica (read from the database, not the replica cache).
        func orderFields(_ order: String = "o-1") throws -> [String: FieldValue] {
            try store.database.read { conn in
                let rows = try conn.fetchAll(
                    "SELECT \(RowCodec.columns) FROM rows WHERE entity = 'orders' AND row_id = ?", [.text(order)])
                guard let row = rows.first else { return [:] }
                return try RowCodec.decode(row).fields.mapValues(\.value)
            }
        }
    }

    static func order(total price: Int64 = 45_000) -> [Change] {
        [Build.createOrder("n-w1", 1, at: 1), Build.addItem("n-w1", 2, at: 2, item: "i-1", price: price)]
    }

    static func paymentRequest(_ sequence: Int64, row: String = "r-1") -> Change {
        Build.change(
            "n-w1", sequence, at: 3, entity: .integrationRequest, row: row, op: .append,
            fields: ["order_id": .text("o-1"), "request_kind": .text("payment")])
    }

    @Test(arguments: CentralBackend.allCases)
    func aPaymentRequestCreatesOneIntentForTheExactTotalAndIsAnswered(_ backend: CentralBackend) async throws {
        let fixture = try await Fixture.start(backend)
        defer { Task { try? await fixture.stop() } }
        let pushed = try await fixture.push(Self.order() + [Self.paymentRequest(3)])
        #expect(pushed.outcomes.allSatisfy { $0.result == .applied })
        try await fixture.eventually("the payment effect to succeed") {
            try fixture.effect(kind: "stripe_payment_intent")?.state == .succeeded
        }
        let stripe = try #require(fixture.stripe)
        #expect(stripe.counters.intentsCreated == 1)
        let intentID = try #require(stripe.paymentIntentIDs.first)
        // 450.00 + 5.00 tax: OrderDomain's total, in minor units.
        #expect((stripe.paymentIntent(id: intentID)?["amount"] as? NSNumber)?.int64Value == 45_500)
        let fields = try fixture.orderFields()
        #expect(fields["stripe_payment_intent_id"] == .text(intentID))
        #expect(fields["payment_amount"] == .integer(45_500))
        // The answer reaches nodes by the log: central's set_fields on the request row.
        let log = try fixture.store.pull(PullRequest(after: 0)).entries.map(\.change)
        let answer = try #require(log.first { $0.entity == .integrationRequest && $0.operation == .setFields })
        #expect(answer.nodeID == "central" && answer.fields["request_state"] == .text("succeeded"))
        // The same push again (a lost reply) is replayed: no second effect, no second intent.
        let replay = try await fixture.push(Self.order() + [Self.paymentRequest(3)])
        #expect(replay.outcomes.allSatisfy { $0.replayed })
        try await Task.sleep(for: .milliseconds(300))
        #expect(try fixture.store.effects().count == 1 && stripe.counters.intentsCreated == 1)
    }

    @Test(
        arguments: CentralBackend.allCases,
        [
            StandInFault.serverErrorAfterActing(status: 500), .answerLostAfterActing,
            .serverErrorBeforeActing(status: 500), .rateLimited(retryAfterSeconds: 1),
        ])
    func faultsNeverChargeTwiceNorLoseTheIntent(_ backend: CentralBackend, _ fault: StandInFault) async throws {
        let fixture = try await Fixture.start(backend)
        defer { Task { try? await fixture.stop() } }
        let stripe = try #require(fixture.stripe)
        stripe.inject(fault)
        _ = try await fixture.push(Self.order() + [Self.paymentRequest(3)])
        try await fixture.eventually("the payment effect to succeed after \(fault)") {
            try fixture.effect(kind: "stripe_payment_intent")?.state == .succeeded
        }
        #expect(stripe.counters.intentsCreated == 1, "\(fault)")
        let effect = try #require(try fixture.effect(kind: "stripe_payment_intent"))
        // The fault cost a second request: a retry under the same key, or (after a 5xx that
        // Stripe saved) the listing that found the intent by its metadata.
        #expect(stripe.counters.requests >= 2, "\(fault)")
        #expect(effect.providerRef == stripe.paymentIntentIDs.first)
    }

    @Test(arguments: CentralBackend.allCases)
    func signedWebhooksConfirmPaymentOnceAndBadOnesAreRefused(_ backend: CentralBackend) async throws {
        let fixture = try await Fixture.start(backend)
        defer { Task { try? await fixture.stop() } }
        let stripe = try #require(fixture.stripe)
        _ = try await fixture.push(Self.order() + [Self.paymentRequest(3)])
        try await fixture.eventually("the intent") {
            try fixture.effect(kind: "stripe_payment_intent")?.state == .succeeded
        }
        let intentID = try #require(stripe.paymentIntentIDs.first)
        stripe.completePayment(intentID: intentID)
        let event = try #require(stripe.event(type: "payment_intent.succeeded", intentID: intentID))
        let url = fixture.service.baseURL + "/webhooks/stripe"
        let head = fixture.store.headVersion

        #expect(await stripe.deliver(event, to: url, signatureHeader: .some(nil)) == 400)
        #expect(
            await stripe.deliver(
                event, to: url,
                signatureHeader: "t=\(Int64(Date().timeIntervalSince1970)),v1=\(String(repeating: "0", count: 64))")
                == 400)
        #expect(
            await stripe.deliver(
                event, to: url,
                signatureHeader: stripe.signature(payload: event, timestamp: Int64(Date().timeIntervalSince1970) - 600))
                == 400)
        var tampered = event
        tampered[tampered.count / 2] ^= 1
        #expect(await stripe.deliver(tampered, to: url, signatureHeader: stripe.signature(payload: event)) == 400)
        #expect(fixture.store.headVersion == head, "refused webhooks change nothing")

        #expect(await stripe.deliver(event, to: url) == 200)
        let fields = try fixture.orderFields()
        #expect(fields["payment_status"] == .text("succeeded"))
        let log = try fixture.store.pull(PullRequest(after: 0)).entries.map(\.change)
        #expect(log.contains { $0.operation == .setStatus && $0.fields["status"] == .text("payment_confirmed") })
        let afterFirst = fixture.store.headVersion
        // Redelivered (Stripe retries): acknowledged, nothing done again.
        #expect(await stripe.deliver(event, to: url) == 200)
        #expect(fixture.store.headVersion == afterFirst)
        let audit = try fixture.store.audit(.order("o-1"))
        #expect(audit.contains { $0.kind == .webhook } && audit.contains { $0.kind == .effect })
    }

    @Test(arguments: CentralBackend.allCases)
    func aMoveToRefundedRefundsOnceWhoeverAsks(_ backend: CentralBackend) async throws {
        let fixture = try await Fixture.start(backend)
        defer { Task { try? await fixture.stop() } }
        let stripe = try #require(fixture.stripe)
        _ = try await fixture.push(Self.order() + [Self.paymentRequest(3)])
        try await fixture.eventually("the intent") {
            try fixture.effect(kind: "stripe_payment_intent")?.state == .succeeded
        }
        let intentID = try #require(stripe.paymentIntentIDs.first)
        stripe.completePayment(intentID: intentID)
        let event = try #require(stripe.event(type: "payment_intent.succeeded", intentID: intentID))
        #expect(await stripe.deliver(event, to: fixture.service.baseURL + "/webhooks/stripe") == 200)
        let refund = Build.change(
            "n-w1", 4, at: 10, entity: .order, row: "o-1", op: .setStatus,
            fields: ["status": .text("refunded"), "from_status": .text("payment_confirmed")],
            author: Staff.email(.manager))
        let outcome = try await fixture.push([refund])
        #expect(outcome.outcomes.first?.result == .applied)
        try await fixture.eventually("the refund") { try fixture.effect(kind: "stripe_refund")?.state == .succeeded }
        #expect(stripe.counters.refundsCreated == 1)
        #expect(try fixture.orderFields()["payment_status"] == .text("refunded"))
    }

    @Test(arguments: CentralBackend.allCases)
    func withoutStripeTheRequestIsAnsweredNotConfigured(_ backend: CentralBackend) async throws {
        let fixture = try await Fixture.start(backend, stripe: false)
        defer { Task { try? await fixture.stop() } }
        _ = try await fixture.push(Self.order() + [Self.paymentRequest(3)])
        try await fixture.eventually("the effect to be parked") {
            try fixture.effect(kind: "stripe_payment_intent")?.state == .failed
        }
        let effect = try #require(try fixture.effect(kind: "stripe_payment_intent"))
        #expect(effect.message?.contains("Stripe is not configured") == true)
        let log = try fixture.store.pull(PullRequest(after: 0)).entries.map(\.change)
        let answer = try #require(log.first { $0.entity == .integrationRequest && $0.operation == .setFields })
        #expect(answer.fields["request_state"] == .text("not_configured"))
        // An operator's retry puts it back (same id), and cancel stops it.
        let retried = try fixture.store.retryEffect(effect.id, by: "ops")
        #expect(retried.state == .pending && retried.keyGeneration == effect.keyGeneration + 1)
        #expect(throws: CentralError.self) { try fixture.store.retryEffect(effect.id, by: "ops") }
    }

    @Test(arguments: CentralBackend.allCases)
    func ordinaryEditsRecordNoEffectsWithoutIntegrations(_ backend: CentralBackend) throws {
        let storage = try TestStoreLocation(backend)
        defer { storage.remove() }
        let (store, w1, _) = try LedgerTests.makeStore(storage)
        for request in LedgerTests.scenario {
            guard request.nodeID == "n-w1" else { continue }
            #expect(try store.push(request, token: w1).effectsRecorded == 0)
        }
        #expect(try store.effects().isEmpty)
    }

    @Test func backoffGrowsWithJitterAndHonoursRetryAfter() {
        #expect(CentralStore.retryDelayMillis(attempts: 1, retryAfter: nil, jitter: 0) == 500)
        #expect(CentralStore.retryDelayMillis(attempts: 1, retryAfter: nil, jitter: 1) == 1000)
        #expect(CentralStore.retryDelayMillis(attempts: 4, retryAfter: nil, jitter: 1) == 8000)
        #expect(CentralStore.retryDelayMillis(attempts: 30, retryAfter: nil, jitter: 1) == 300_000)
        #expect(CentralStore.retryDelayMillis(attempts: 1, retryAfter: .seconds(30), jitter: 0) == 30_000)
    }
}

extension JSONValue {
    var fieldValue: FieldValue {
        switch self {
        case .null: .null
        case .bool(let flag): .bool(flag)
        case .integer(let number): .integer(number)
        case .real(let number): .real(number)
        case .string(let text): .text(text)
        case .array, .object: .text(canonicalString)
        }
    }
}
