import Crypto
import EventLoop
import Foundation
import HTTP
import Synchronization

/// A stand-in for EasyPost's API: shipments answered with rates, buying a rate once (a second
/// buy is `SHIPMENT.POSTAGE.EXISTS`), reading a shipment back, trackers, and tracker webhooks
/// signed with `X-Hmac-Signature` as EasyPost signs them. Basic auth with the API key as user.
package final class EasyPostStandIn: Sendable {
    package struct Counters: Sendable, Equatable {
        package var shipmentsCreated = 0
        package var labelsBought = 0
        package var requests = 0
    }

    /// A purchase answered with one of EasyPost's error codes.
    package enum PurchaseFault: Sendable, Equatable {
        /// The purchase is still running: `SHIPMENT.PURCHASE.IN_PROGRESS`, nothing bought yet.
        case inProgress
        /// The carrier did not answer in time, though the label was bought:
        /// `SHIPMENT.POSTAGE.NO_RESPONSE`.
        case noResponseAfterBuying
    }

    package let apiKey: String
    package let webhookSecret: String
    private let server: StandInServer
    private let shared: EasyPostShared
    private let faults: FaultQueue

    package var baseURL: String { server.baseURL }

    private init(
        apiKey: String, webhookSecret: String, server: StandInServer, shared: EasyPostShared, faults: FaultQueue
    ) {
        self.apiKey = apiKey
        self.webhookSecret = webhookSecret
        self.server = server
        self.shared = shared
        self.faults = faults
    }

    package static func start(apiKey: String = "EZTKstandin", webhookSecret: String = "easypost-webhook-secret")
        async throws -> EasyPostStandIn
    {
        let shared = EasyPostShared()
        let faults = FaultQueue()
        let server = try await StandInServer.start(name: "easypost-stand-in") { _, router in
            let api = EasyPostHandlers(apiKey: apiKey, shared: shared, faults: faults)
            router.post("/v2/shipments") { request, responder in api.handle(request, responder, write: true, api.create)
            }
            router.post("/v2/shipments/:id/buy") { request, responder in
                api.handle(request, responder, write: true, api.buy)
            }
            router.get("/v2/shipments/:id") { request, responder in
                api.handle(request, responder, write: false, api.retrieve)
            }
        }
        return EasyPostStandIn(
            apiKey: apiKey, webhookSecret: webhookSecret, server: server, shared: shared, faults: faults)
    }

    package func stop() async throws { try await server.stop() }

    /// The next `times` POSTs meet `fault`.
    package func inject(_ fault: StandInFault, times: Int = 1) { faults.inject(fault, times: times) }

    /// The next purchase answers with an EasyPost error code.
    package func injectPurchaseFault(_ fault: PurchaseFault) {
        shared.state.withLock { $0.purchaseFaults.append(fault) }
    }

    package var counters: Counters { shared.state.withLock { $0.counters } }

    /// The shipment's tracker id, once bought.
    package func trackerID(shipmentID: String) -> String? {
        shared.state.withLock { $0.shipments[shipmentID]?.trackerID }
    }

    /// A `tracker.updated` event for the shipment's tracker, now at `status`.
    package func trackerEvent(shipmentID: String, status: String) -> [UInt8]? {
        shared.state.withLock { state -> [UInt8]? in
            guard var shipment = state.shipments[shipmentID], shipment.trackerID != nil else { return nil }
            shipment.trackerStatus = status
            state.shipments[shipmentID] = shipment
            state.eventCount += 1
            return jsonBytes([
                "id": "evt_standin\(String(format: "%06d", state.eventCount))", "object": "Event",
                "description": "tracker.updated", "mode": "test", "created_at": isoNow(),
                "result": shipment.trackerJSON, "previous_attributes": ["status": "unknown"], "pending_urls": [],
            ])
        }
    }

    /// `X-Hmac-Signature` for `payload`, with the secret NFKD-normalised as EasyPost does.
    package func signature(payload: [UInt8], secret: String? = nil) -> String {
        let key = SymmetricKey(data: Array((secret ?? webhookSecret).decomposedStringWithCompatibilityMapping.utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: payload, using: key)
        return "hmac-sha256-hex=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    /// Posts `payload` signed (or with the given header, or none) to `url`; the receiver's status.
    package func deliver(_ payload: [UInt8], to url: String, signatureHeader: String?? = .none) async -> Int {
        await server.postWebhook(
            to: url, headers: ["User-Agent": "EasyPost WebHook Agent 1.0"], body: payload,
            signatureName: "X-Hmac-Signature", signatureHeader: signatureHeader
        ) { signature(payload: payload) }
    }
}

private func isoNow() -> String {
    let formatter = ISO8601DateFormatter()
    return formatter.string(from: Date())
}

// MARK: - State

private struct ShipmentRecord {
    var id: String
    var reference: String?
    var toAddress: [String: Any]
    var fromAddress: [String: Any]
    var parcel: [String: Any]
    var rates: [[String: Any]]
    var selectedRateID: String?
    var trackingCode: String?
    var trackerID: String?
    var trackerStatus = "pre_transit"

    var isBought: Bool { selectedRateID != nil }

    var trackerJSON: [String: Any] {
        [
            "id": trackerID ?? "", "object": "Tracker", "mode": "test", "tracking_code": trackingCode ?? "",
            "status": trackerStatus, "carrier": selectedRate?["carrier"] ?? "USPS", "shipment_id": id,
            "public_url": "https://track.easypost.com/\(trackerID ?? "")",
            "tracking_details": [
                ["object": "TrackingDetail", "status": trackerStatus, "message": "Status: \(trackerStatus)"]
            ],
        ]
    }

    var selectedRate: [String: Any]? { rates.first { ($0["id"] as? String) == selectedRateID } }

    var json: [String: Any] {
        [
            "id": id, "object": "Shipment", "mode": "test", "reference": reference ?? NSNull(),
            "to_address": toAddress, "from_address": fromAddress, "parcel": parcel, "rates": rates,
            "selected_rate": selectedRate ?? NSNull(),
            "postage_label": isBought
                ? [
                    "object": "PostageLabel", "label_url": "https://easypost-files.example/\(id).png",
                    "label_file_type": "image/png",
                ] as [String: Any] : NSNull(),
            "tracking_code": trackingCode ?? NSNull(),
            "tracker": trackerID == nil ? NSNull() : trackerJSON, "messages": [],
        ]
    }
}

private struct EasyPostState {
    var counters = EasyPostStandIn.Counters()
    var shipments: [String: ShipmentRecord] = [:]
    var purchaseFaults: [EasyPostStandIn.PurchaseFault] = []
    /// Shipments whose purchase is running (a `.delay` fault holds it).
    var purchasing: Set<String> = []
    var eventCount = 0
}

private final class EasyPostShared: Sendable {
    let state = Mutex(EasyPostState())
}

// MARK: - Handlers (loop thread)

private struct EasyPostHandlers {
    let apiKey: String
    let shared: EasyPostShared
    let faults: FaultQueue

    typealias Action = (HTTPRequest, inout EasyPostState) -> HTTPResponse

    func handle(_ request: HTTPRequest, _ responder: HTTPResponder, write: Bool, _ action: @escaping Action) {
        let expected = "Basic " + Data("\(apiKey):".utf8).base64EncodedString()
        guard request.headers["Authorization"] == expected else {
            return responder.send(
                Self.error(401, code: "APIKEY.INACTIVE", message: "This api key is no longer active."))
        }
        shared.state.withLock { $0.counters.requests += 1 }
        let fault = write ? faults.next() : nil
        switch fault {
        case .rateLimited(let seconds):
            var response = Self.error(429, code: "RATE_LIMITED", message: "You have exceeded the rate limit.")
            if let seconds { response.headers.set("Retry-After", String(seconds)) }
            responder.send(response)
        case .serverErrorBeforeActing(let status):
            responder.send(
                Self.error(status, code: "INTERNAL_SERVER_ERROR", message: "We're sorry, something went wrong."))
        case .serverErrorAfterActing(let status):
            _ = shared.state.withLock { action(request, &$0) }
            responder.send(
                Self.error(status, code: "INTERNAL_SERVER_ERROR", message: "We're sorry, something went wrong."))
        case .answerLostAfterActing:
            responder.sendThenDropConnection(shared.state.withLock { action(request, &$0) })
        case .delay(let delay):
            // The purchase counts as running until the delayed answer is made.
            let id = request.pathParameters["id"]
            if let id { shared.state.withLock { _ = $0.purchasing.insert(id) } }
            responder.loop.schedule(after: delay) {
                let response = shared.state.withLock { state in
                    if let id { state.purchasing.remove(id) }
                    return action(request, &state)
                }
                responder.send(response)
            }
        case nil:
            responder.send(shared.state.withLock { action(request, &$0) })
        }
    }

    static func error(_ status: Int, code: String, message: String) -> HTTPResponse {
        .json(
            bytes: jsonBytes(["error": ["code": code, "message": message, "errors": []]]), status: HTTPStatus(status))
    }

    func create(_ request: HTTPRequest, _ state: inout EasyPostState) -> HTTPResponse {
        guard let shipment = request.jsonObject?["shipment"] as? [String: Any],
            let to = shipment["to_address"] as? [String: Any], let from = shipment["from_address"] as? [String: Any],
            let parcel = shipment["parcel"] as? [String: Any]
        else {
            return Self.error(
                422, code: "SHIPMENT.INVALID_PARAMS", message: "Shipment needs to_address, from_address and parcel.")
        }
        for (name, address) in [("to_address", to), ("from_address", from)] {
            for field in ["street1", "city", "zip", "country"] where (address[field] as? String ?? "").isEmpty {
                return Self.error(422, code: "ADDRESS.VERIFY.FAILURE", message: "\(name).\(field) is required")
            }
        }
        guard let weight = (parcel["weight"] as? NSNumber)?.doubleValue, weight > 0 else {
            return Self.error(422, code: "PARCEL.WEIGHT.INVALID", message: "parcel.weight must be positive")
        }
        state.counters.shipmentsCreated += 1
        let number = String(format: "%06d", state.counters.shipmentsCreated)
        let id = "shp_standin\(number)"
        // Prices from the weight, so heavier parcels cost more, as with real carriers.
        let offers: [(String, String, Double, Int)] = [
            ("USPS", "Priority", 7.58, 2), ("UPS", "Ground", 9.10, 5), ("FedEx", "FEDEX_2_DAY", 18.40, 2),
        ]
        let rates = offers.enumerated().map { index, offer -> [String: Any] in
            let price = offer.2 + (weight / 16) * 0.85
            return [
                "id": "rate_standin\(number)\(index)", "object": "Rate", "carrier": offer.0, "service": offer.1,
                "rate": String(format: "%.2f", price), "currency": "USD", "delivery_days": offer.3,
                "shipment_id": id,
            ]
        }
        state.shipments[id] = ShipmentRecord(
            id: id, reference: shipment["reference"] as? String, toAddress: to, fromAddress: from, parcel: parcel,
            rates: rates)
        return .json(bytes: jsonBytes(state.shipments[id]!.json), status: .created)
    }

    func buy(_ request: HTTPRequest, _ state: inout EasyPostState) -> HTTPResponse {
        let id = request.pathParameters["id"] ?? ""
        guard var shipment = state.shipments[id] else {
            return Self.error(404, code: "NOT_FOUND", message: "The requested resource could not be found.")
        }
        if shipment.isBought {
            return Self.error(
                422, code: "SHIPMENT.POSTAGE.EXISTS", message: "Postage already exists for this shipment.")
        }
        if state.purchasing.contains(id) || state.purchaseFaults.first == .inProgress {
            if state.purchaseFaults.first == .inProgress { state.purchaseFaults.removeFirst() }
            return Self.error(
                422, code: "SHIPMENT.PURCHASE.IN_PROGRESS", message: "A purchase of this shipment is in progress.")
        }
        guard let rateID = (request.jsonObject?["rate"] as? [String: Any])?["id"] as? String,
            shipment.rates.contains(where: { ($0["id"] as? String) == rateID })
        else {
            return Self.error(422, code: "SHIPMENT.RATE.INVALID", message: "The rate is not one of this shipment's.")
        }
        state.counters.labelsBought += 1
        shipment.selectedRateID = rateID
        shipment.trackingCode = "EZ\(String(format: "%010d", state.counters.labelsBought))"
        shipment.trackerID = "trk_standin\(String(format: "%06d", state.counters.labelsBought))"
        state.shipments[id] = shipment
        if state.purchaseFaults.first == .noResponseAfterBuying {
            state.purchaseFaults.removeFirst()
            return Self.error(
                422, code: "SHIPMENT.POSTAGE.NO_RESPONSE", message: "The carrier did not respond in time.")
        }
        return .json(bytes: jsonBytes(shipment.json))
    }

    func retrieve(_ request: HTTPRequest, _ state: inout EasyPostState) -> HTTPResponse {
        let id = request.pathParameters["id"] ?? ""
        guard let shipment = state.shipments[id] else {
            return Self.error(404, code: "NOT_FOUND", message: "The requested resource could not be found.")
        }
        return .json(bytes: jsonBytes(shipment.json))
    }
}
