import Crypto
import EventLoop
import Foundation
import HTTP
import Synchronization

/// A stand-in for Stripe's API: PaymentIntents (create, retrieve, list), Refunds (create,
/// list), with Stripe's idempotency contract: the first answer for an `Idempotency-Key` is saved
/// once the endpoint starts running, *including 5xx*, and replayed with
/// `Idempotent-Replayed: true`; the same key with other parameters or on another endpoint is a
/// 400 `idempotency_error`; the same key while the first request is still running is a 409 with
/// nothing saved. 429s save nothing. Signs webhooks as Stripe does.
package final class StripeStandIn: Sendable {
    package struct Counters: Sendable, Equatable {
        package var intentsCreated = 0
        package var refundsCreated = 0
        /// Answers replayed for a repeated Idempotency-Key.
        package var replays = 0
        package var requests = 0
    }

    package let secretKey: String
    package let webhookSecret: String
    private let server: StandInServer
    private let shared: SharedState
    private let faults: FaultQueue

    package var baseURL: String { server.baseURL }

    private init(
        secretKey: String, webhookSecret: String, server: StandInServer, shared: SharedState, faults: FaultQueue
    ) {
        self.secretKey = secretKey
        self.webhookSecret = webhookSecret
        self.server = server
        self.shared = shared
        self.faults = faults
    }

    package static func start(secretKey: String = "sk_test_standin", webhookSecret: String = "whsec_standin")
        async throws -> StripeStandIn
    {
        let shared = SharedState()
        let faults = FaultQueue()
        let server = try await StandInServer.start(name: "stripe-stand-in") { _, router in
            let api = Handlers(secretKey: secretKey, shared: shared, faults: faults)
            router.post("/v1/payment_intents") { request, responder in api.write(request, responder, api.createIntent) }
            router.get("/v1/payment_intents") { request, responder in api.read(request, responder, api.listIntents) }
            router.get("/v1/payment_intents/:id") { request, responder in
                api.read(request, responder, api.retrieveIntent)
            }
            router.post("/v1/refunds") { request, responder in api.write(request, responder, api.createRefund) }
            router.get("/v1/refunds") { request, responder in api.read(request, responder, api.listRefunds) }
        }
        return StripeStandIn(
            secretKey: secretKey, webhookSecret: webhookSecret, server: server, shared: shared, faults: faults)
    }

    package func stop() async throws { try await server.stop() }

    /// The next `times` POSTs meet `fault` instead of a normal answer.
    package func inject(_ fault: StandInFault, times: Int = 1) { faults.inject(fault, times: times) }

    package var counters: Counters { shared.state.withLock { $0.counters } }

    /// A PaymentIntent as Stripe would return it, or nil.
    package func paymentIntent(id: String) -> [String: Any]? {
        shared.state.withLock { $0.intents.first { $0.id == id }?.json }
    }

    /// The ids of every PaymentIntent, oldest first.
    package var paymentIntentIDs: [String] { shared.state.withLock { $0.intents.map(\.id) } }

    /// The customer pays (as Stripe.js or a terminal would confirm): the intent succeeds.
    package func completePayment(intentID: String) {
        shared.state.withLock { state in
            guard let index = state.intents.firstIndex(where: { $0.id == intentID }) else { return }
            state.intents[index].status = "succeeded"
            state.intents[index].latestCharge = "ch_\(intentID.dropFirst(3))"
            state.intents[index].lastPaymentError = nil
        }
    }

    /// The customer's card is declined.
    package func failPayment(intentID: String, message: String = "Your card was declined.") {
        shared.state.withLock { state in
            guard let index = state.intents.firstIndex(where: { $0.id == intentID }) else { return }
            state.intents[index].status = "requires_payment_method"
            state.intents[index].lastPaymentError = message
        }
    }

    // MARK: Webhooks

    /// An event envelope around the intent's (or its charge's) current state.
    package func event(type: String, intentID: String) -> [UInt8]? {
        shared.state.withLock { state -> [UInt8]? in
            guard let intent = state.intents.first(where: { $0.id == intentID }) else { return nil }
            state.eventCount += 1
            let object: [String: Any] = type.hasPrefix("charge.") ? state.chargeJSON(for: intent) : intent.json
            return jsonBytes([
                "id": "evt_\(String(format: "%06d", state.eventCount))", "object": "event", "type": type,
                "api_version": "2024-06-20", "created": unixNow(), "livemode": false,
                "data": ["object": object], "pending_webhooks": 1,
            ])
        }
    }

    /// `Stripe-Signature` for `payload` at `timestamp`: one `v1` per secret (two during rotation).
    package func signature(payload: [UInt8], timestamp: Int64 = unixNow(), secrets: [String]? = nil) -> String {
        let parts = (secrets ?? [webhookSecret]).map { secret -> String in
            var message = Array("\(timestamp).".utf8)
            message += payload
            let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Array(secret.utf8)))
            return "v1=" + mac.map { String(format: "%02x", $0) }.joined()
        }
        return (["t=\(timestamp)"] + parts).joined(separator: ",")
    }

    /// Posts `payload` signed (or with the given header, or none) to `url`; the receiver's status.
    package func deliver(_ payload: [UInt8], to url: String, signatureHeader: String?? = .none) async -> Int {
        await server.postWebhook(
            to: url, headers: ["User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)"], body: payload,
            signatureName: "Stripe-Signature", signatureHeader: signatureHeader
        ) { signature(payload: payload) }
    }
}

// MARK: - State

private struct PaymentIntentRecord {
    var id: String
    var amount: Int64
    var currency: String
    var metadata: [String: String]
    var description: String?
    var created: Int64
    var status = "requires_payment_method"
    var latestCharge: String?
    var lastPaymentError: String?
    var amountRefunded: Int64 = 0

    var json: [String: Any] {
        var object: [String: Any] = [
            "id": id, "object": "payment_intent", "amount": amount, "currency": currency, "metadata": metadata,
            "created": created, "status": status, "livemode": false, "client_secret": "\(id)_secret_standin",
            "amount_received": status == "succeeded" ? amount : 0,
            "latest_charge": latestCharge ?? NSNull(), "description": description ?? NSNull(),
        ]
        object["last_payment_error"] =
            lastPaymentError.map { ["type": "card_error", "code": "card_declined", "message": $0] } ?? NSNull()
        return object
    }
}

private struct RefundRecord {
    var id: String
    var amount: Int64
    var currency: String
    var paymentIntent: String
    var metadata: [String: String]
    var created: Int64

    var json: [String: Any] {
        [
            "id": id, "object": "refund", "amount": amount, "currency": currency, "payment_intent": paymentIntent,
            "metadata": metadata, "created": created, "status": "succeeded",
        ]
    }
}

/// A saved answer under an Idempotency-Key.
private struct SavedAnswer {
    var endpoint: String
    var parameters: [String: String]
    /// Nil while the first request is still running.
    var response: HTTPResponse?
}

private struct State {
    var counters = StripeStandIn.Counters()
    var intents: [PaymentIntentRecord] = []
    var refunds: [RefundRecord] = []
    var keys: [String: SavedAnswer] = [:]
    var eventCount = 0

    func chargeJSON(for intent: PaymentIntentRecord) -> [String: Any] {
        [
            "id": intent.latestCharge ?? "ch_\(intent.id.dropFirst(3))", "object": "charge", "amount": intent.amount,
            "amount_refunded": intent.amountRefunded, "currency": intent.currency,
            "refunded": intent.amountRefunded >= intent.amount, "payment_intent": intent.id,
            "metadata": intent.metadata,
        ]
    }
}

/// Lets the router's closures share the Mutex without copying it.
private final class SharedState: Sendable {
    let state = Mutex(State())
}

// MARK: - Handlers (loop thread)

private struct Handlers {
    let secretKey: String
    let shared: SharedState
    let faults: FaultQueue

    typealias Action = (HTTPRequest, inout State) -> HTTPResponse

    func read(_ request: HTTPRequest, _ responder: HTTPResponder, _ action: Action) {
        if let refusal = authenticate(request) { return responder.send(refusal) }
        responder.send(
            shared.state.withLock { state in
                state.counters.requests += 1
                return action(request, &state)
            })
    }

    /// A POST: idempotency, then faults, then the action.
    func write(_ request: HTTPRequest, _ responder: HTTPResponder, _ action: @escaping Action) {
        if let refusal = authenticate(request) { return responder.send(refusal) }
        let parameters = request.formFields
        let key = request.headers["Idempotency-Key"]
        let endpoint = request.path
        enum Step {
            case answer(HTTPResponse)
            case run
        }
        let step: Step = shared.state.withLock { state in
            state.counters.requests += 1
            guard let key, let saved = state.keys[key] else { return .run }
            guard saved.endpoint == endpoint, saved.parameters == parameters else {
                return .answer(
                    Self.error(
                        400, type: "idempotency_error",
                        message: "Keys for idempotent requests can only be used with the same parameters they were "
                            + "first used with. Try using a key other than '\(key)' if you meant to execute a "
                            + "different request."))
            }
            guard var response = saved.response else {
                return .answer(
                    Self.error(
                        409, type: "idempotency_error", code: "idempotency_key_in_use",
                        message: "There is currently another in-progress request using this Idempotent Key."))
            }
            state.counters.replays += 1
            response.headers.set("Idempotent-Replayed", "true")
            return .answer(response)
        }
        if case .answer(let response) = step { return responder.send(response) }

        let fault = faults.next()
        if case .rateLimited(let seconds) = fault {
            var response = Self.error(
                429, type: "invalid_request_error", code: "rate_limit", message: "Too many requests hit the API.")
            if let seconds { response.headers.set("Retry-After", String(seconds)) }
            return responder.send(response)
        }
        // From here the endpoint runs: its answer, whatever it is, is saved under the key.
        if let key {
            shared.state.withLock { $0.keys[key] = SavedAnswer(endpoint: endpoint, parameters: parameters) }
        }
        if case .delay(let delay) = fault {
            responder.loop.schedule(after: delay) { self.run(request, responder, action, key: key, fault: nil) }
            return
        }
        run(request, responder, action, key: key, fault: fault)
    }

    private func run(
        _ request: HTTPRequest, _ responder: HTTPResponder, _ action: Action, key: String?, fault: StandInFault?
    ) {
        var response: HTTPResponse
        switch fault {
        case .serverErrorBeforeActing(let status):
            response = Self.error(status, type: "api_error", message: "An unknown error occurred")
        case .serverErrorAfterActing(let status):
            _ = shared.state.withLock { action(request, &$0) }
            response = Self.error(status, type: "api_error", message: "An unknown error occurred")
        default:
            response = shared.state.withLock { action(request, &$0) }
        }
        if let key {
            response.headers.set("Idempotency-Key", key)
            let saved = response
            shared.state.withLock { $0.keys[key]?.response = saved }
        }
        if fault == .answerLostAfterActing {
            responder.sendThenDropConnection(response)
        } else {
            responder.send(response)
        }
    }

    private func authenticate(_ request: HTTPRequest) -> HTTPResponse? {
        guard request.bearerToken == secretKey else {
            return Self.error(
                401, type: "invalid_request_error",
                message: "Invalid API Key provided: \(String((request.bearerToken ?? "").prefix(8)))****")
        }
        return nil
    }

    static func error(_ status: Int, type: String, code: String? = nil, message: String, param: String? = nil)
        -> HTTPResponse
    {
        var error: [String: Any] = ["type": type, "message": message]
        if let code { error["code"] = code }
        if let param { error["param"] = param }
        var response = HTTPResponse.json(bytes: jsonBytes(["error": error]), status: HTTPStatus(status))
        response.headers.set("Request-Id", "req_standin")
        return response
    }

    static func metadata(_ fields: [String: String]) -> [String: String] {
        var metadata: [String: String] = [:]
        for (name, value) in fields where name.hasPrefix("metadata[") && name.hasSuffix("]") {
            metadata[String(name.dropFirst(9).dropLast())] = value
        }
        return metadata
    }

    // MARK: Endpoints

    func createIntent(_ request: HTTPRequest, _ state: inout State) -> HTTPResponse {
        let fields = request.formFields
        guard let amountText = fields["amount"], let amount = Int64(amountText) else {
            return Self.error(
                400, type: "invalid_request_error", code: "parameter_missing",
                message: "Missing required param: amount.",
                param: "amount")
        }
        guard let currency = fields["currency"], currency.count == 3, currency == currency.lowercased() else {
            return Self.error(
                400, type: "invalid_request_error", code: "parameter_invalid_string",
                message: "Invalid currency: \(fields["currency"] ?? "")", param: "currency")
        }
        guard amount >= 50 || ["jpy", "krw", "vnd", "clp", "pyg", "ugx"].contains(currency) else {
            return Self.error(
                400, type: "invalid_request_error", code: "amount_too_small",
                message: "Amount must be at least 50 cents", param: "amount")
        }
        state.counters.intentsCreated += 1
        let intent = PaymentIntentRecord(
            id: "pi_standin\(String(format: "%06d", state.intents.count + 1))", amount: amount, currency: currency,
            metadata: Self.metadata(fields), description: fields["description"], created: unixNow())
        state.intents.append(intent)
        return .json(bytes: jsonBytes(intent.json))
    }

    func retrieveIntent(_ request: HTTPRequest, _ state: inout State) -> HTTPResponse {
        let id = request.pathParameters["id"] ?? ""
        guard let intent = state.intents.first(where: { $0.id == id }) else {
            return Self.error(
                404, type: "invalid_request_error", code: "resource_missing",
                message: "No such payment_intent: '\(id)'", param: "intent")
        }
        return .json(bytes: jsonBytes(intent.json))
    }

    /// Newest first, as Stripe lists; `created[gte]`, `limit`, `starting_after`.
    func listIntents(_ request: HTTPRequest, _ state: inout State) -> HTTPResponse {
        let query = request.query
        var intents = Array(state.intents.reversed())
        if let since = query["created[gte]"].flatMap(Int64.init) { intents = intents.filter { $0.created >= since } }
        if let after = query["starting_after"], let index = intents.firstIndex(where: { $0.id == after }) {
            intents = Array(intents[(index + 1)...])
        }
        let limit = min(max(query["limit"].flatMap(Int.init) ?? 10, 1), 100)
        return .json(
            bytes: jsonBytes([
                "object": "list", "url": "/v1/payment_intents", "has_more": intents.count > limit,
                "data": intents.prefix(limit).map(\.json),
            ]))
    }

    func createRefund(_ request: HTTPRequest, _ state: inout State) -> HTTPResponse {
        let fields = request.formFields
        guard let intentID = fields["payment_intent"],
            let index = state.intents.firstIndex(where: { $0.id == intentID })
        else {
            return Self.error(
                400, type: "invalid_request_error", code: "resource_missing",
                message: "No such payment_intent: '\(fields["payment_intent"] ?? "")'", param: "payment_intent")
        }
        let intent = state.intents[index]
        guard intent.status == "succeeded" else {
            return Self.error(
                400, type: "invalid_request_error", code: "charge_not_refundable",
                message: "This PaymentIntent does not have a successful charge to refund.")
        }
        let remaining = intent.amount - intent.amountRefunded
        guard remaining > 0 else {
            return Self.error(
                400, type: "invalid_request_error", code: "charge_already_refunded",
                message: "Charge \(intent.latestCharge ?? "") has already been refunded.")
        }
        let amount = fields["amount"].flatMap(Int64.init) ?? remaining
        guard amount > 0, amount <= remaining else {
            return Self.error(
                400, type: "invalid_request_error", code: "amount_too_large",
                message: "Refund amount (\(amount)) is greater than unrefunded amount on charge (\(remaining))",
                param: "amount")
        }
        state.counters.refundsCreated += 1
        state.intents[index].amountRefunded += amount
        let refund = RefundRecord(
            id: "re_standin\(String(format: "%06d", state.refunds.count + 1))", amount: amount,
            currency: intent.currency, paymentIntent: intentID, metadata: Self.metadata(fields), created: unixNow())
        state.refunds.append(refund)
        return .json(bytes: jsonBytes(refund.json))
    }

    func listRefunds(_ request: HTTPRequest, _ state: inout State) -> HTTPResponse {
        let intentID = request.query["payment_intent"]
        let refunds = state.refunds.reversed().filter { intentID == nil || $0.paymentIntent == intentID }
        return .json(
            bytes: jsonBytes([
                "object": "list", "url": "/v1/refunds", "has_more": false, "data": refunds.map(\.json),
            ]))
    }
}
