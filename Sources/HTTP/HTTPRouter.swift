/// Handles a request on the loop thread. Answer through `responder`, now or later (after work on
/// another thread, hop back with `EventLoop.offload` or `execute`). A thrown `HTTPError` becomes
/// its status and message; any other thrown error becomes a 500.
package typealias HTTPHandler = (HTTPRequest, HTTPResponder) throws -> Void

/// Routes by method and path. Patterns are literal segments and `:name` parameters
/// (`/v1/orders/:id/notes`); a trailing `*` segment matches the rest of the path. A route made
/// only of literal segments wins when the path matches it exactly; otherwise routes are tried in
/// the order they were added. A path that matches with another method gets a 405 with
/// an Allow header; no match at all gets a 404 (both through `unmatched` when it is set). HEAD
/// falls back to the GET route (the server omits the body).
package struct HTTPRouter {
    struct Route {
        let method: HTTPMethod
        let segments: [Segment]
        let handler: HTTPHandler
    }

    enum Segment: Equatable {
        case literal(String)
        case parameter(String)
        case rest
    }

    private(set) var routes: [Route] = []
    /// Routes without parameters by their exact path, so the common case needs no path splitting.
    private var literalRoutes: [String: [(method: HTTPMethod, handler: HTTPHandler)]] = [:]

    /// Answers a request no route takes, given the methods its path does take: none means no
    /// route has the path (404), else the method is wrong (405 with an Allow header). Unset,
    /// the server answers plain text; set it to answer in the API's own error format.
    package var unmatched: ((_ request: HTTPRequest, _ responder: HTTPResponder, _ allowed: [HTTPMethod]) -> Void)?

    package init() {}

    package mutating func add(_ method: HTTPMethod, _ pattern: String, _ handler: @escaping HTTPHandler) {
        let segments = Self.split(pattern).map { part -> Segment in
            if part == "*" { return .rest }
            if part.hasPrefix(":") { return .parameter(String(part.dropFirst())) }
            return .literal(String(part))
        }
        if let restIndex = segments.firstIndex(of: .rest) {
            precondition(restIndex == segments.count - 1, "'*' must be the last segment of a route pattern: \(pattern)")
        }
        routes.append(Route(method: method, segments: segments, handler: handler))
        if segments.allSatisfy({ if case .literal = $0 { true } else { false } }) {
            let path =
                "/" + segments.map { if case .literal(let text) = $0 { text } else { "" } }.joined(separator: "/")
            // Only the first route for a method and path can ever match; keep that one.
            if literalRoutes[path]?.contains(where: { $0.method == method }) != true {
                literalRoutes[path, default: []].append((method, handler))
            }
        }
    }

    package mutating func get(_ pattern: String, _ handler: @escaping HTTPHandler) { add(.get, pattern, handler) }
    package mutating func post(_ pattern: String, _ handler: @escaping HTTPHandler) { add(.post, pattern, handler) }
    package mutating func put(_ pattern: String, _ handler: @escaping HTTPHandler) { add(.put, pattern, handler) }
    package mutating func delete(_ pattern: String, _ handler: @escaping HTTPHandler) { add(.delete, pattern, handler) }

    enum Match {
        case found(HTTPHandler, [String: String])
        case methodNotAllowed(allowed: [HTTPMethod])
        case notFound
    }

    func match(method: HTTPMethod, path: String) -> Match {
        if let exact = literalRoutes[path]?.first(where: { $0.method == method }) {
            return .found(exact.handler, [:])
        }
        let parts = Self.split(path)
        var allowed: [HTTPMethod] = []
        var headFallback: (HTTPHandler, [String: String])?
        for route in routes {
            guard let parameters = Self.match(route.segments, parts) else { continue }
            if route.method == method { return .found(route.handler, parameters) }
            if method == .head, route.method == .get, headFallback == nil { headFallback = (route.handler, parameters) }
            if !allowed.contains(route.method) { allowed.append(route.method) }
        }
        if let headFallback { return .found(headFallback.0, headFallback.1) }
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed: allowed)
    }

    private static func split(_ path: String) -> [Substring] {
        path.split(separator: "/", omittingEmptySubsequences: true)
    }

    private static func match(_ segments: [Segment], _ parts: [Substring]) -> [String: String]? {
        var parameters: [String: String] = [:]
        for (index, segment) in segments.enumerated() {
            switch segment {
            case .rest:
                parameters["*"] = parts[index...].joined(separator: "/")
                return parameters
            case .literal(let literal):
                guard index < parts.count, parts[index] == literal else { return nil }
            case .parameter(let name):
                guard index < parts.count else { return nil }
                parameters[name] = String(parts[index])
            }
        }
        return segments.count == parts.count ? parameters : nil
    }
}
