import Crypto
import EventLoop
import Foundation
import HTTP
import Synchronization

/// A stand-in for SendGrid's v3 Mail Send: `POST /v3/mail/send` answered 202 with
/// `X-Message-Id` (queued, nothing delivered), validation errors as `{"errors": [...]}`, and the
/// signed event webhook: it holds a P-256 key pair, exposes the public key as SendGrid's settings
/// do (base64 DER SPKI) and signs `timestamp + body` with ECDSA/SHA-256.
package final class SendGridStandIn: Sendable {
    package struct Counters: Sendable, Equatable {
        package var mailsAccepted = 0
        package var requests = 0
    }

    /// One accepted message as the stand-in read it.
    package struct AcceptedMail: Sendable, Equatable {
        package var messageID: String
        package var to: String
        package var from: String
        package var subject: String
        package var text: String
        package var html: String
        package var customArgs: [String: String]
    }

    package let apiKey: String
    /// The private key's raw bytes (Crypto's key type is not `Sendable`).
    private let signingKeyBytes: Data
    private let server: StandInServer
    private let shared: SendGridShared
    private let faults: FaultQueue

    package var baseURL: String { server.baseURL }
    /// What SendGrid's event-webhook settings show as the verification key.
    package var publicKeyBase64: String { signingKey.publicKey.derRepresentation.base64EncodedString() }

    private var signingKey: P256.Signing.PrivateKey {
        // The bytes came from a valid key.
        try! P256.Signing.PrivateKey(rawRepresentation: signingKeyBytes)
    }

    private init(
        apiKey: String, signingKey: P256.Signing.PrivateKey, server: StandInServer, shared: SendGridShared,
        faults: FaultQueue
    ) {
        self.apiKey = apiKey
        self.signingKeyBytes = signingKey.rawRepresentation
        self.server = server
        self.shared = shared
        self.faults = faults
    }

    package static func start(apiKey: String = "SG.standin") async throws -> SendGridStandIn {
        let shared = SendGridShared()
        let faults = FaultQueue()
        let server = try await StandInServer.start(name: "sendgrid-stand-in") { _, router in
            router.post("/v3/mail/send") { request, responder in
                guard request.bearerToken == apiKey else {
                    return responder.send(
                        Self.errors(
                            401, [("The provided authorization grant is invalid, expired, or revoked", nil)]))
                }
                shared.state.withLock { $0.counters.requests += 1 }
                switch faults.next() {
                case .rateLimited(let seconds):
                    var response = Self.errors(429, [("too many requests", nil)])
                    if let seconds { response.headers.set("Retry-After", String(seconds)) }
                    responder.send(response)
                case .serverErrorBeforeActing(let status):
                    responder.send(Self.errors(status, [("internal error", nil)]))
                case .serverErrorAfterActing(let status):
                    _ = Self.accept(request, shared: shared)
                    responder.send(Self.errors(status, [("internal error", nil)]))
                case .answerLostAfterActing:
                    responder.sendThenDropConnection(Self.accept(request, shared: shared))
                case .delay(let delay):
                    responder.loop.schedule(after: delay) { responder.send(Self.accept(request, shared: shared)) }
                case nil:
                    responder.send(Self.accept(request, shared: shared))
                }
            }
        }
        return SendGridStandIn(
            apiKey: apiKey, signingKey: P256.Signing.PrivateKey(), server: server, shared: shared, faults: faults)
    }

    package func stop() async throws { try await server.stop() }

    package func inject(_ fault: StandInFault, times: Int = 1) { faults.inject(fault, times: times) }

    package var counters: Counters { shared.state.withLock { $0.counters } }

    package var acceptedMails: [AcceptedMail] { shared.state.withLock { $0.mails } }

    // MARK: Event webhook

    /// One event for an accepted message, shaped as SendGrid posts it: custom args flattened
    /// into the event object, `sg_message_id` = the send's `X-Message-Id` plus a suffix.
    package func event(_ name: String, messageID: String, reason: String? = nil) -> [String: Any]? {
        shared.state.withLock { state -> [String: Any]? in
            guard let mail = state.mails.first(where: { $0.messageID == messageID }) else { return nil }
            state.eventCount += 1
            var event: [String: Any] = [
                "email": mail.to, "timestamp": unixNow(), "event": name,
                "sg_event_id": "sgev-standin-\(String(format: "%06d", state.eventCount))",
                "sg_message_id": "\(messageID).filterdrecv-standin-1-\(state.eventCount).0",
                "smtp-id": "<\(messageID)@ismtpd0001p1.sendgrid.net>", "category": ["standin"],
            ]
            if let reason { event["reason"] = reason }
            for (name, value) in mail.customArgs { event[name] = value }
            return event
        }
    }

    /// The body SendGrid posts: a JSON array of events.
    package func eventBatch(_ events: [[String: Any]]) -> [UInt8] { jsonBytes(events) }

    /// The signature header's value for `timestamp` + `payload`.
    package func signature(payload: [UInt8], timestamp: String) throws -> String {
        var message = Data(timestamp.utf8)
        message.append(contentsOf: payload)
        return try signingKey.signature(for: message).derRepresentation.base64EncodedString()
    }

    /// Posts `payload` signed at `timestamp` (now by default), or with the given headers; the
    /// receiver's status.
    package func deliver(
        _ payload: [UInt8], to url: String, timestamp: Int64 = unixNow(), signatureHeader: String?? = .none
    ) async throws -> Int {
        let headers: HTTPHeaders = [
            "User-Agent": "SendGrid Event API", "X-Twilio-Email-Event-Webhook-Timestamp": String(timestamp),
        ]
        return try await server.postWebhook(
            to: url, headers: headers, body: payload, signatureName: "X-Twilio-Email-Event-Webhook-Signature",
            signatureHeader: signatureHeader
        ) { try signature(payload: payload, timestamp: String(timestamp)) }
    }

    // MARK: Handler (loop thread)

    static func errors(_ status: Int, _ items: [(String, String?)]) -> HTTPResponse {
        let errors = items.map { message, field -> [String: Any] in
            ["message": message, "field": field ?? NSNull(), "help": NSNull()]
        }
        return .json(bytes: jsonBytes(["errors": errors]), status: HTTPStatus(status))
    }

    /// Validates like SendGrid (a recipient, a sender, a subject, content with text/plain first)
    /// and queues the message.
    private static func accept(_ request: HTTPRequest, shared: SendGridShared) -> HTTPResponse {
        guard let body = request.jsonObject else { return errors(400, [("Bad Request", nil)]) }
        let personalizations = body["personalizations"] as? [[String: Any]] ?? []
        let to = ((personalizations.first?["to"] as? [[String: Any]])?.first?["email"] as? String) ?? ""
        let from = (body["from"] as? [String: Any])?["email"] as? String ?? ""
        let subject = body["subject"] as? String ?? ""
        let content = body["content"] as? [[String: Any]] ?? []
        var problems: [(String, String?)] = []
        if to.isEmpty {
            problems.append(("The to array is required for all personalization objects", "personalizations.0.to"))
        }
        if from.isEmpty { problems.append(("The from object must be provided for every email send.", "from")) }
        if subject.isEmpty { problems.append(("The subject is required.", "subject")) }
        if content.isEmpty {
            problems.append(("Unless a valid template_id is provided, the content parameter is required.", "content"))
        }
        let types = content.compactMap { $0["type"] as? String }
        if types.count > 1, types.first != "text/plain" {
            problems.append(("If present, text/plain content must be first.", "content"))
        }
        guard problems.isEmpty else { return errors(400, problems) }
        func value(_ type: String) -> String {
            content.first { ($0["type"] as? String) == type }?["value"] as? String ?? ""
        }
        let messageID = shared.state.withLock { state -> String in
            state.counters.mailsAccepted += 1
            let id = "standin\(String(format: "%06d", state.counters.mailsAccepted))Q0cGxhY2Vob2xk"
            state.mails.append(
                AcceptedMail(
                    messageID: id, to: to, from: from, subject: subject, text: value("text/plain"),
                    html: value("text/html"), customArgs: body["custom_args"] as? [String: String] ?? [:]))
            return id
        }
        return HTTPResponse(status: .accepted, headers: ["X-Message-Id": messageID])
    }
}

private struct SendGridState {
    var counters = SendGridStandIn.Counters()
    var mails: [SendGridStandIn.AcceptedMail] = []
    var eventCount = 0
}

private final class SendGridShared: Sendable {
    let state = Mutex(SendGridState())
}
