/// One HTTP call to a provider, built from an intent and ready to send: central turns it into an
/// `HTTPClientRequest` (`method.name`, `url`, `headers`, `body`). Building is deterministic, so
/// the same intent gives the same bytes after a restart; that is what keeps a Stripe
/// `Idempotency-Key` replay from failing with `idempotency_error`.
///
/// It carries the provider's secret in `Authorization`: never store or log it. The ledger keeps
/// the intent and rebuilds the request per attempt; `description` redacts the secret.
package struct ProviderRequest: Hashable, Sendable, CustomStringConvertible {
    package enum Method: String, Hashable, Sendable {
        case get = "GET"
        case post = "POST"

        package var name: String { rawValue }
    }

    package var method: Method
    /// The provider's base URL without a trailing slash (`https://api.stripe.com`).
    package var baseURL: String
    /// Path and query (`/v1/payment_intents/pi_123`).
    package var path: String
    /// Header fields in order; names as the providers document them.
    package var headers: [(name: String, value: String)]
    package var body: [UInt8]?

    package init(
        method: Method, baseURL: String, path: String, headers: [(name: String, value: String)],
        body: [UInt8]? = nil
    ) {
        self.method = method
        self.baseURL = baseURL
        self.path = path
        self.headers = headers
        self.body = body
    }

    package var url: String { baseURL + path }

    /// The first value of a header, by case-insensitive name.
    package func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    package var bodyText: String? { body.map { String(decoding: $0, as: UTF8.self) } }

    package var description: String {
        let shown = headers.map { field in
            field.name.lowercased() == "authorization" ? "\(field.name): <redacted>" : "\(field.name): \(field.value)"
        }
        return "\(method.name) \(url) [\(shown.joined(separator: "; "))]"
    }

    package static func == (lhs: ProviderRequest, rhs: ProviderRequest) -> Bool {
        lhs.method == rhs.method && lhs.baseURL == rhs.baseURL && lhs.path == rhs.path && lhs.body == rhs.body
            && lhs.headers.count == rhs.headers.count
            && zip(lhs.headers, rhs.headers).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(method)
        hasher.combine(url)
        for field in headers {
            hasher.combine(field.name)
            hasher.combine(field.value)
        }
        hasher.combine(body)
    }
}

/// What came back from a provider for one `ProviderRequest`.
package enum ProviderReply: Sendable {
    /// A complete HTTP response.
    case answered(ProviderAnswer)
    /// The request never reached the provider (connection refused, name not found, TLS handshake
    /// failed): nothing can have happened there.
    case notDelivered(reason: String)
    /// The request may have reached the provider but no complete answer came back (timeout,
    /// connection dropped mid-answer): the provider may have acted.
    case answerLost(reason: String)
}

/// A provider's HTTP response: status, header fields (looked up case-insensitively) and body.
package struct ProviderAnswer: Sendable {
    package var status: Int
    package var headers: [(name: String, value: String)]
    package var body: [UInt8]

    package init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    package func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// `Retry-After` in seconds (the providers send the delta-seconds form).
    package var retryAfter: Duration? {
        guard let text = header("Retry-After"), let seconds = Int(text.trimmingSpaces), seconds >= 0 else {
            return nil
        }
        return .seconds(seconds)
    }

    package var bodyText: String { String(decoding: body, as: UTF8.self) }
}

extension String {
    var trimmingSpaces: String {
        var text = Substring(self)
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        return String(text)
    }
}
