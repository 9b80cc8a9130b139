/// A request for `HTTPClient`.
package struct HTTPClientRequest: Sendable {
    package var method: HTTPMethod
    /// Absolute `http://` or `https://` URL.
    package var url: String
    package var headers: HTTPHeaders
    package var body: [UInt8]?
    /// Whole-transfer timeout, connect included; nil uses the client's default.
    package var timeout: Duration?
    /// Statuses that count as success; any other status comes back as `.httpStatus` with the body.
    package var acceptedStatuses: Range<Int>

    package init(
        method: HTTPMethod = .get, url: String, headers: HTTPHeaders = [:], body: [UInt8]? = nil,
        timeout: Duration? = nil, acceptedStatuses: Range<Int> = 200..<300
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.acceptedStatuses = acceptedStatuses
    }
}

/// A response received by `HTTPClient` (body already decoded if it was gzipped).
package struct HTTPClientResponse: Sendable {
    package var status: HTTPStatus
    package var headers: HTTPHeaders
    package var body: [UInt8]

    package var text: String { String(decoding: body, as: UTF8.self) }
}

/// Why a request failed. Carries curl's code and message when curl reported the failure.
package struct HTTPClientError: Error, Sendable, Equatable, CustomStringConvertible {
    package enum Kind: Sendable, Equatable {
        /// Nothing listens at the address (ECONNREFUSED) or it is unreachable.
        case connectionRefused
        /// The request's timeout (or the stream's idle limit) passed.
        case timedOut
        case hostNotFound
        /// TLS handshake or certificate verification failed.
        case tls
        /// The server answered with a status outside the request's accepted range.
        case httpStatus
        /// The connection broke, the server sent nothing, or sent something that is not HTTP.
        case transport
        /// `cancel()` was called, or the client closed.
        case cancelled
        /// The response body exceeded the client's limit.
        case responseTooLarge
        /// The request could not be set up (bad URL, curl refused an option).
        case invalidRequest
    }

    package var kind: Kind
    package var url: String
    package var message: String
    /// curl's CURLcode, when curl reported the failure.
    package var curlCode: Int?
    /// For `.httpStatus`: the response.
    package var status: HTTPStatus?
    package var body: [UInt8]?
    package var headers: HTTPHeaders?

    package init(
        kind: Kind, url: String, message: String, curlCode: Int? = nil,
        status: HTTPStatus? = nil, body: [UInt8]? = nil, headers: HTTPHeaders? = nil
    ) {
        self.kind = kind
        self.url = url
        self.message = message
        self.curlCode = curlCode
        self.status = status
        self.body = body
        self.headers = headers
    }

    package var bodyText: String? { body.map { String(decoding: $0, as: UTF8.self) } }

    package var description: String {
        var text = "\(kind) for \(url): \(message)"
        if let curlCode { text += " (curl \(curlCode))" }
        return text
    }
}
