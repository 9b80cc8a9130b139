/// A request for `HTTPClient`.
public struct HTTPClientRequest: Sendable {
    public var method: HTTPMethod
    /// Absolute `http://` or `https://` URL.
    public var url: String
    public var headers: HTTPHeaders
    public var body: [UInt8]?
    /// Whole-transfer timeout, connect included; nil uses the client's default.
    public var timeout: Duration?
    /// Statuses that count as success; any other status comes back as `.httpStatus` with the body.
    public var acceptedStatuses: Range<Int>

    public init(method: HTTPMethod = .get, url: String, headers: HTTPHeaders = [:], body: [UInt8]? = nil,
                timeout: Duration? = nil, acceptedStatuses: Range<Int> = 200..<300) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.acceptedStatuses = acceptedStatuses
    }
}

/// A response received by `HTTPClient` (body already decoded if it was gzipped).
public struct HTTPClientResponse: Sendable {
    public var status: HTTPStatus
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// Why a request failed. Carries curl's code and message when curl reported the failure.
public struct HTTPClientError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
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

    public var kind: Kind
    public var url: String
    public var message: String
    /// curl's CURLcode, when curl reported the failure.
    public var curlCode: Int?
    /// For `.httpStatus`: the response.
    public var status: HTTPStatus?
    public var body: [UInt8]?
    public var headers: HTTPHeaders?

    public init(kind: Kind, url: String, message: String, curlCode: Int? = nil,
                status: HTTPStatus? = nil, body: [UInt8]? = nil, headers: HTTPHeaders? = nil) {
        self.kind = kind
        self.url = url
        self.message = message
        self.curlCode = curlCode
        self.status = status
        self.body = body
        self.headers = headers
    }

    public var bodyText: String? { body.map { String(decoding: $0, as: UTF8.self) } }

    public var description: String {
        var text = "\(kind) for \(url): \(message)"
        if let curlCode { text += " (curl \(curlCode))" }
        return text
    }
}
