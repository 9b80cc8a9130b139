#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A parsed request as a handler sees it: the whole body has been read.
package struct HTTPRequest: Sendable {
    package var method: HTTPMethod
    /// The request target as sent, e.g. `/v1/pull?after=12`.
    package var target: String
    /// The percent-decoded path, without the query.
    package var path: String
    /// The raw query string after `?`, empty when there is none.
    package var queryString: String
    package var headers: HTTPHeaders
    package var body: [UInt8]
    package var version: (major: Int, minor: Int)
    /// Values captured by `:name` segments of the matched route.
    package var pathParameters: [String: String] = [:]
    /// True when the request came from a loopback address (set by `HTTPServer`; false for
    /// requests made up in code).
    package var peerIsLoopback = false

    package init(
        method: HTTPMethod, target: String, headers: HTTPHeaders = [:], body: [UInt8] = [],
        version: (major: Int, minor: Int) = (1, 1)
    ) {
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body
        self.version = version
        // Searching the UTF-8 view avoids walking grapheme clusters; its index is a String.Index.
        if let question = target.utf8.firstIndex(of: UInt8(ascii: "?")) {
            path = Self.percentDecoded(target[..<question]) ?? String(target[..<question])
            queryString = String(target[target.index(after: question)...])
        } else {
            path = Self.percentDecoded(target[...]) ?? target
            queryString = ""
        }
    }

    /// Query parameters; the last value wins for repeated names. `+` means a space.
    package var query: [String: String] {
        var result: [String: String] = [:]
        for pair in queryString.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.formDecoded(parts[0])
            let value = parts.count > 1 ? Self.formDecoded(parts[1]) : ""
            result[name] = value
        }
        return result
    }

    /// A query parameter parsed as an integer; a clear 400 if present but not an integer.
    package func queryInteger(_ name: String) throws(HTTPError) -> Int? {
        guard let text = query[name] else { return nil }
        guard let value = Int(text) else {
            throw HTTPError(.badRequest, "query parameter '\(name)' must be an integer, got '\(text)'")
        }
        return value
    }

    /// The token of an `Authorization: Bearer …` header.
    package var bearerToken: String? {
        guard let value = headers["Authorization"] else { return nil }
        let parts = value.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, HTTPHeaders.namesEqual(parts[0], "Bearer") else { return nil }
        return String(parts[1].trimmingSpaces)
    }

    /// The body decoded as JSON; a 400 saying what was wrong if it does not decode.
    package func decodeJSON<Value: Decodable>(_ type: Value.Type, decoder: JSONDecoder = JSONDecoder())
        throws(HTTPError) -> Value
    {
        do {
            return try decoder.decode(type, from: Data(body))
        } catch {
            throw HTTPError(.badRequest, "request body is not a valid \(type): \(error)")
        }
    }

    /// Whether the client accepts a gzip-encoded response.
    package var acceptsGzip: Bool { headers.containsToken("gzip", in: "Accept-Encoding") }

    static func formDecoded(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return percentDecoded(spaced[...]) ?? spaced
    }

    /// Percent-decoding; nil when an escape is malformed or the result is not UTF-8.
    static func percentDecoded(_ text: Substring) -> String? {
        guard text.utf8.contains(UInt8(ascii: "%")) else { return String(text) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    return nil
                }
                bytes.append(high << 4 | low)
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
