import Foundation
import ProviderStandIns
import TestSupport
import Testing

/// Payments, shipping and e-mail end to end with real processes: central (`kct central serve`)
/// pointed at the providers' stand-ins through its environment, two workstations with their
/// daemons. Asked offline, answered once central is back; webhooks signed as the providers sign
/// them move the order on every workstation; never two charges or labels for one request.
@Suite(.serialized) struct IntegrationsEndToEndTests {
    /// The three stand-ins and the environment that points central at them.
    struct Providers {
        let stripe: StripeStandIn
        let easyPost: EasyPostStandIn
        let sendGrid: SendGridStandIn

        static func start() async throws -> Providers {
            Providers(
                stripe: try await StripeStandIn.start(), easyPost: try await EasyPostStandIn.start(),
                sendGrid: try await SendGridStandIn.start())
        }

        func stop() async {
            try? await stripe.stop()
            try? await easyPost.stop()
            try? await sendGrid.stop()
        }

        var environment: [String: String] {
            [
                "KCT_STRIPE_SECRET_KEY": stripe.secretKey, "KCT_STRIPE_WEBHOOK_SECRET": stripe.webhookSecret,
                "KCT_STRIPE_BASE_URL": stripe.baseURL,
                "KCT_EASYPOST_API_KEY": easyPost.apiKey, "KCT_EASYPOST_WEBHOOK_SECRET": easyPost.webhookSecret,
                "KCT_EASYPOST_BASE_URL": easyPost.baseURL,
                "KCT_SENDGRID_API_KEY": sendGrid.apiKey, "KCT_SENDGRID_WEBHOOK_PUBLIC_KEY": sendGrid.publicKeyBase64,
                "KCT_SENDGRID_BASE_URL": sendGrid.baseURL,
                "KCT_SHOP_FROM_EMAIL": "orders@kct.example", "KCT_SHOP_FROM_ADDRESS_NAME": "KCT Menswear",
                "KCT_SHOP_FROM_ADDRESS_STREET1": "213 S Kalamazoo Mall", "KCT_SHOP_FROM_ADDRESS_CITY": "Kalamazoo",
                "KCT_SHOP_FROM_ADDRESS_STATE": "MI", "KCT_SHOP_FROM_ADDRESS_ZIP": "49007",
                "KCT_SHOP_FROM_ADDRESS_COUNTRY": "US",
            ]
        }
    }

    static var order: [String: Any] {
        [
            "customer_name": "Marcus Bell", "customer_email": "marcus.bell@example.com", "tax_amount": "21.34",
            "shipping_address": [
                "line1": "1400 Main St", "city": "Kansas City", "region": "MO", "postal_code": "64105", "country": "US",
            ],
            "items": [
                ["product_name": "Charcoal Suit", "size": "40R", "unit_price": "899.00"],
                ["product_name": "Silk Tie", "quantity": 2, "unit_price": "45.00"],
            ],
        ]
    }

    /// `kct orders show --json` of one order on `node`; empty while the node does not have it yet.
    static func show(_ node: SyncCluster.Node, _ number: String) throws -> [String: Any] {
        let result = try node.kct.run(["orders", "show", number, "--json"])
        guard result.status == 0 else { return [:] }
        return try result.object()
    }

    static func request(_ order: [String: Any], _ kind: String) -> [String: Any]? {
        (order["integration_requests"] as? [[String: Any]])?.last { $0["request_kind"] as? String == kind }
    }

    static func fact(_ order: [String: Any], _ name: String) -> Any? {
        (order["provider_facts"] as? [String: Any])?[name]
    }

    @Test func anOfflineWorkstationPaysShipsAndIsTrackedToDeliveryExactlyOnce() async throws {
        let providers = try await Providers.start()
        let cluster = try SyncCluster()
        defer {
            cluster.shutDown()
            Task { await providers.stop() }
        }
        cluster.centralEnvironment = providers.environment
        try cluster.startCentral()
        let w1 = try cluster.addWorkstation("W1")
        let w2 = try cluster.addWorkstation("W2")
        try cluster.startDaemon(w2)

        // The shop loses central: W1 takes the order and asks for payment and rates offline.
        #expect(cluster.central?.stop() == 0)
        let number = try #require(try w1.createOrders([Self.order]).first)
        try w1.run("payments", "request", number)
        try w1.run("shipping", "rates", number)
        let queued = try Self.show(w1, number)
        #expect(Self.request(queued, "payment")?["queued"] as? Bool == true)
        #expect(Self.request(queued, "payment")?["request_state"] is NSNull)

        // Central comes back; W1's daemon pushes; central calls the providers and answers.
        try cluster.startCentral()
        try cluster.startDaemon(w1)
        var shown: [String: Any] = [:]
        try cluster.waitUntil("central's answers to the payment and rates requests on W1") {
            shown = try Self.show(w1, number)
            let states = ["payment", "shipping_rates"].map { Self.request(shown, $0)?["request_state"] as? String }
            return states == ["succeeded", "succeeded"] ? nil : "states \(states)"
        }
        #expect(providers.stripe.counters.intentsCreated == 1)
        #expect(providers.easyPost.counters.shipmentsCreated == 1)
        let intentID = try #require(providers.stripe.paymentIntentIDs.first)
        #expect(Self.fact(shown, "stripe_payment_intent_id") as? String == intentID)
        #expect(Self.fact(shown, "payment_amount") as? Int == 101_034, "899.00 + 2 × 45.00 + 21.34 tax")
        let rates = try #require(Self.request(shown, "shipping_rates")?["answer"] as? String)
        let rateID = try #require(
            rates.split(separator: "\n").dropFirst().first?.split(separator: ":").first.map(String.init), "\(rates)")

        try w1.run("shipping", "buy", number, "--rate", rateID)
        try cluster.waitUntil("the label on W2") {
            shown = try Self.show(w2, number)
            guard Self.fact(shown, "tracking_code") == nil else { return nil }
            let asked = Self.request(try Self.show(w1, number), "shipping_label")
            let effects = try cluster.centralCommand("central", "effects", "list", "--db", cluster.databasePath).stdout
            return "no tracking code on W2; W1's request \(String(describing: asked)); central's effects:\n\(effects)"
        }
        #expect(providers.easyPost.counters.labelsBought == 1)
        let shipmentID = try #require(Self.fact(shown, "easypost_shipment_id") as? String)

        // The customer pays; Stripe's signed webhook confirms it on every workstation.
        providers.stripe.completePayment(intentID: intentID)
        let paid = try #require(providers.stripe.event(type: "payment_intent.succeeded", intentID: intentID))
        let stripeURL = cluster.centralURL + "/webhooks/stripe"
        #expect(await providers.stripe.deliver(paid, to: stripeURL) == 200)
        #expect(await providers.stripe.deliver(paid, to: stripeURL) == 200, "a redelivery is acknowledged")
        #expect(await providers.stripe.deliver(paid, to: stripeURL, signatureHeader: .some(nil)) == 400)
        for node in [w1, w2] {
            try cluster.waitUntil("payment_confirmed on \(node.name)") {
                let status = try Self.show(node, number)["status"] as? String
                return status == "payment_confirmed" ? nil : "status \(status ?? "?")"
            }
        }

        // Production, then the carrier's tracker: shipped and delivered everywhere, never back.
        for status in ["processing", "in_production", "quality_check", "packaging"] {
            try w1.run("orders", "status", number, status)
        }
        let easyPostURL = cluster.centralURL + "/webhooks/easypost"
        try cluster.waitUntil("packaging on W2") {
            let status = try Self.show(w2, number)["status"] as? String
            guard status != "packaging" else { return nil }
            let conflicts = try w1.run("conflicts", "list").stdout
            return "W2 shows \(status ?? "nothing"); W1 shows \(try Self.show(w1, number)["status"] ?? "nothing"), "
                + "\(try w1.pending()) pending; W1's conflicts: \(conflicts)"
        }
        let inTransit = try #require(providers.easyPost.trackerEvent(shipmentID: shipmentID, status: "in_transit"))
        let delivered = try #require(providers.easyPost.trackerEvent(shipmentID: shipmentID, status: "delivered"))
        #expect(await providers.easyPost.deliver(delivered, to: easyPostURL) == 200)
        #expect(await providers.easyPost.deliver(inTransit, to: easyPostURL) == 200, "late, out of order")
        #expect(
            await providers.easyPost.deliver(delivered, to: easyPostURL, signatureHeader: "hmac-sha256-hex=00") == 400)
        for node in [w1, w2] {
            try cluster.waitUntil("delivered on \(node.name)") {
                let order = try Self.show(node, number)
                let status = order["status"] as? String
                let tracking = Self.fact(order, "tracking_status") as? String
                return status == "delivered" && tracking == "delivered"
                    ? nil : "status \(status ?? "?"), \(tracking ?? "?")"
            }
        }

        // E-mails: one per template, logged on every workstation with SendGrid's delivery status.
        try cluster.waitUntil("the e-mails of taking, paying, shipping and delivering the order") {
            let templates = providers.sendGrid.acceptedMails.compactMap { $0.customArgs["template"] }
            let wanted: Set = [
                "order_confirmation", "payment_confirmation", "shipping_notification", "delivery_confirmation",
            ]
            return wanted.isSubset(of: Set(templates)) ? nil : "sent \(templates)"
        }
        let templates = providers.sendGrid.acceptedMails.compactMap { $0.customArgs["template"] }
        #expect(templates.count == Set(templates).count, "each automatic e-mail once: \(templates)")
        let confirmation = try #require(
            providers.sendGrid.acceptedMails.first { $0.customArgs["template"] == "order_confirmation" })
        let event = try #require(providers.sendGrid.event("delivered", messageID: confirmation.messageID))
        let batch = providers.sendGrid.eventBatch([event])
        let sendGridURL = cluster.centralURL + "/webhooks/sendgrid"
        let stale = Int64(Date().timeIntervalSince1970) - 600
        #expect(try await providers.sendGrid.deliver(batch, to: sendGridURL, signatureHeader: .some(nil)) == 400)
        #expect(try await providers.sendGrid.deliver(batch, to: sendGridURL, timestamp: stale) == 400)
        #expect(try await providers.sendGrid.deliver(batch, to: sendGridURL) == 200)
        #expect(try await providers.sendGrid.deliver(batch, to: sendGridURL) == 200, "a redelivery is acknowledged")
        try cluster.waitUntil("the order confirmation's delivery on W2") {
            let logs = try Self.show(w2, number)["customer_communication_logs"] as? [[String: Any]] ?? []
            let entry = logs.first { $0["communication_type"] as? String == "order_confirmation" }
            return entry?["delivery_status"] as? String == "delivered" ? nil : "entry \(String(describing: entry))"
        }

        #expect(providers.stripe.counters.intentsCreated == 1)
        #expect(providers.easyPost.counters.labelsBought == 1)
    }

    /// `kill -9`-like deaths of central (`_exit` at a named point, KCT_TEST_CRASH_AT) between
    /// recording an effect and calling the provider, and between the provider acting and central
    /// recording its answer; with a seeded provider fault on top. After a restart every request is
    /// answered, and the stand-ins saw one intent and one label.
    @Test(arguments: [
        ("effect-claimed", 1 as UInt64), ("provider-answered", 2), ("effect-claimed", 3), ("provider-answered", 4),
    ])
    func centralDyingMidEffectNeitherDoublesNorLosesIt(point: String, seed: UInt64) async throws {
        var generator = SplitMix64(seed: seed)
        let faults: [StandInFault?] = [nil, .answerLostAfterActing, .serverErrorAfterActing(status: 500)]
        let providers = try await Providers.start()
        let cluster = try SyncCluster()
        defer {
            cluster.shutDown()
            Task { await providers.stop() }
        }
        cluster.centralEnvironment = providers.environment
        try cluster.startCentral()
        let w1 = try cluster.addWorkstation("W1")
        if let fault = faults.randomElement(using: &generator)! { providers.stripe.inject(fault) }
        if let fault = faults.randomElement(using: &generator)! { providers.easyPost.inject(fault) }

        /// With central down, `queue` makes requests on W1; then central, armed to die at `point`,
        /// receives them; once it has died it is restarted unarmed.
        func crashThenRecover(_ what: String, queue: () throws -> Void) throws {
            #expect(cluster.central?.stop() == 0)
            try queue()
            cluster.centralEnvironment = providers.environment.merging(["KCT_TEST_CRASH_AT": point]) { $1 }
            try cluster.startCentral()
            if w1.daemon?.isRunning != true { try cluster.startDaemon(w1) }
            try cluster.waitUntil("central to die at \(point) (\(what))") {
                cluster.central?.isRunning == false ? nil : "still running"
            }
            cluster.centralEnvironment = providers.environment
            try cluster.startCentral()
        }

        var number = ""
        try crashThenRecover("payment and rates") {
            number = try #require(try w1.createOrders([Self.order]).first)
            try w1.run("payments", "request", number)
            try w1.run("shipping", "rates", number)
        }
        var shown: [String: Any] = [:]
        try cluster.waitUntil("payment and rates answered after the restart") {
            shown = try Self.show(w1, number)
            let states = ["payment", "shipping_rates"].map { Self.request(shown, $0)?["request_state"] as? String }
            return states == ["succeeded", "succeeded"] ? nil : "states \(states)"
        }
        #expect(providers.stripe.counters.intentsCreated == 1, "seed \(seed)")
        let rates = try #require(Self.request(shown, "shipping_rates")?["answer"] as? String)
        let rateID = try #require(rates.split(separator: "\n").dropFirst().first?.split(separator: ":").first)

        let fault = faults.randomElement(using: &generator)!
        try crashThenRecover("the label") {
            if let fault { providers.easyPost.inject(fault) }
            try w1.run("shipping", "buy", number, "--rate", String(rateID))
        }
        try cluster.waitUntil("the label after the restart") {
            shown = try Self.show(w1, number)
            return Self.request(shown, "shipping_label")?["request_state"] as? String == "succeeded"
                ? nil : "label request \(String(describing: Self.request(shown, "shipping_label")))"
        }
        #expect(providers.easyPost.counters.labelsBought == 1, "seed \(seed)")
        #expect(providers.stripe.counters.intentsCreated == 1, "seed \(seed)")
        #expect(Self.fact(shown, "tracking_code") != nil)
    }
}
