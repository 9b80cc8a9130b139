import CHTTPParser

/// A request method. Unknown methods parsed by http-parser keep their name in `.other`.
package enum HTTPMethod: Hashable, Sendable, CustomStringConvertible {
    case get, head, post, put, patch, delete, options
    case other(String)

    package init(_ name: String) {
        switch name {
        case "GET": self = .get
        case "HEAD": self = .head
        case "POST": self = .post
        case "PUT": self = .put
        case "PATCH": self = .patch
        case "DELETE": self = .delete
        case "OPTIONS": self = .options
        default: self = .other(name)
        }
    }

    package var name: String {
        switch self {
        case .get: "GET"
        case .head: "HEAD"
        case .post: "POST"
        case .put: "PUT"
        case .patch: "PATCH"
        case .delete: "DELETE"
        case .options: "OPTIONS"
        case .other(let name): name
        }
    }

    package var description: String { name }
}

extension HTTPMethod {
    /// From http-parser's method code, without a round trip through its name for common methods.
    init(parsed method: http_method) {
        switch method {
        case HTTP_GET: self = .get
        case HTTP_HEAD: self = .head
        case HTTP_POST: self = .post
        case HTTP_PUT: self = .put
        case HTTP_PATCH: self = .patch
        case HTTP_DELETE: self = .delete
        case HTTP_OPTIONS: self = .options
        default: self = .other(String(cString: http_method_str(method)))
        }
    }
}
