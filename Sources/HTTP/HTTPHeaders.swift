/// Header fields in arrival order, looked up case-insensitively (names are ASCII).
package struct HTTPHeaders: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    package private(set) var fields: [(name: String, value: String)] = []

    package init() {}

    package init(dictionaryLiteral elements: (String, String)...) {
        for (name, value) in elements { add(name, value) }
    }

    package init(_ fields: [(String, String)]) {
        for (name, value) in fields { add(name, value) }
    }

    package mutating func add(_ name: String, _ value: String) {
        fields.append((name, value))
    }

    /// Replaces every field named `name` with one field.
    package mutating func set(_ name: String, _ value: String) {
        remove(name)
        add(name, value)
    }

    package mutating func remove(_ name: String) {
        fields.removeAll { Self.namesEqual($0.name, name) }
    }

    /// The first value of `name`, if any.
    package subscript(name: String) -> String? {
        fields.first { Self.namesEqual($0.name, name) }?.value
    }

    /// Every value of `name`, in order.
    package func values(_ name: String) -> [String] {
        fields.filter { Self.namesEqual($0.name, name) }.map(\.value)
    }

    package func contains(_ name: String) -> Bool { self[name] != nil }

    /// Whether a comma-separated header (Connection, Accept-Encoding…) lists `token`, ignoring case
    /// and parameters (`gzip;q=1.0`). A token with `q=0` counts as absent.
    package func containsToken(_ token: String, in name: String) -> Bool {
        for value in values(name) {
            for item in value.split(separator: ",") {
                let parts = item.split(separator: ";")
                guard let first = parts.first,
                    Self.namesEqual(first.trimmingSpaces, token)
                else { continue }
                let rejected = parts.dropFirst().contains { parameter in
                    let trimmed = parameter.trimmingSpaces.lowercased()
                    return trimmed == "q=0" || trimmed == "q=0.0" || trimmed == "q=0.00" || trimmed == "q=0.000"
                }
                if !rejected { return true }
            }
        }
        return false
    }

    package var count: Int { fields.count }

    package func makeIterator() -> IndexingIterator<[(name: String, value: String)]> {
        fields.makeIterator()
    }

    package static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        lhs.fields.count == rhs.fields.count
            && zip(lhs.fields, rhs.fields).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    /// ASCII case-insensitive comparison without allocating lowercased copies.
    static func namesEqual<A: StringProtocol, B: StringProtocol>(_ a: A, _ b: B) -> Bool {
        var left = a.utf8.makeIterator()
        var right = b.utf8.makeIterator()
        while true {
            switch (left.next(), right.next()) {
            case (nil, nil): return true
            case (let l?, let r?):
                if l == r { continue }
                if (l | 0x20) == (r | 0x20), (l | 0x20) >= UInt8(ascii: "a"), (l | 0x20) <= UInt8(ascii: "z") {
                    continue
                }
                return false
            default: return false
            }
        }
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs (HTTP's optional white space).
    package var trimmingSpaces: Substring {
        let scalars = self[...]
        var start = scalars.startIndex
        var end = scalars.endIndex
        while start < end, scalars[start] == " " || scalars[start] == "\t" { start = scalars.index(after: start) }
        while end > start {
            let before = scalars.index(before: end)
            guard scalars[before] == " " || scalars[before] == "\t" else { break }
            end = before
        }
        return Substring(scalars[start..<end])
    }
}
