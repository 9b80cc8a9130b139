import Foundation

/// Where a central store lives, as `--db` names it: a SQLite file (the default) or a PostgreSQL
/// database (`postgres://USER@HOST:PORT/DB`, or `postgresql://…`; libpq's URL form, so every
/// libpq parameter such as `?sslmode=require` works).
package enum CentralLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(url: String)

    /// A `postgres://` or `postgresql://` URL is PostgreSQL; anything else is a file path.
    package init(_ text: String) {
        let lowered = text.lowercased()
        if lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://") {
            self = .postgres(url: text)
        } else {
            self = .sqlite(path: text)
        }
    }

    /// For messages and logs: a URL's password is replaced by `***`.
    package var description: String {
        switch self {
        case .sqlite(let path): return path
        case .postgres(let url):
            guard var components = URLComponents(string: url), components.password != nil else { return url }
            components.password = "***"
            return components.string ?? url
        }
    }
}
