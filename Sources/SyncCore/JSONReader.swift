/// Reads one JSON object field by field, tracking the path for error messages and refusing
/// fields it was not asked about (`finish()`), so a misspelt or newer field is never ignored.
struct JSONObjectReader {
    let path: String
    private let members: [String: JSONValue]
    /// Keys asked for, and how many of them were present: cheaper than a set on the hot path;
    /// `finish()` compares the count with the members and names an unknown one if they differ.
    private var asked: [String] = []
    private var found = 0

    init(_ value: JSONValue, path: String) throws(SyncDecodingError) {
        guard case .object(let members) = value else {
            throw SyncDecodingError(path: path, problem: .wrongType(expected: "an object", found: value.typeName))
        }
        self.path = path
        self.members = members
    }

    func childPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    mutating func optionalValue(_ key: String) -> JSONValue? {
        asked.append(key)
        let value = members[key]
        if value != nil { found += 1 }
        return value
    }

    mutating func value(_ key: String) throws(SyncDecodingError) -> JSONValue {
        guard let value = optionalValue(key) else {
            throw SyncDecodingError(path: childPath(key), problem: .missingField)
        }
        return value
    }

    mutating func string(_ key: String) throws(SyncDecodingError) -> String {
        try JSONRead.string(try value(key), path: self.childPath(key))
    }

    mutating func optionalString(_ key: String) throws(SyncDecodingError) -> String? {
        guard let value = optionalValue(key), value != .null else { return nil }
        return try JSONRead.string(value, path: childPath(key))
    }

    mutating func nonEmptyString(_ key: String) throws(SyncDecodingError) -> String {
        let text = try string(key)
        guard !text.isEmpty else {
            throw SyncDecodingError(
                path: childPath(key), problem: .invalidValue("\"\"", expected: "a non-empty string"))
        }
        return text
    }

    mutating func integer(_ key: String, in range: ClosedRange<Int64> = Int64.min...Int64.max) throws(SyncDecodingError)
        -> Int64
    {
        try JSONRead.integer(try value(key), path: childPath(key), in: range)
    }

    mutating func optionalInteger(_ key: String, in range: ClosedRange<Int64> = Int64.min...Int64.max)
        throws(SyncDecodingError) -> Int64?
    {
        guard let value = optionalValue(key), value != .null else { return nil }
        return try JSONRead.integer(value, path: childPath(key), in: range)
    }

    /// An HLC: a positive 64-bit integer.
    mutating func hlc(_ key: String) throws(SyncDecodingError) -> HLC {
        HLC(packed: UInt64(try JSONRead.integer(try value(key), path: self.childPath(key), in: 1...Int64.max)))
    }

    mutating func optionalHLC(_ key: String) throws(SyncDecodingError) -> HLC? {
        guard let value = optionalValue(key), value != .null else { return nil }
        return HLC(packed: UInt64(try JSONRead.integer(value, path: self.childPath(key), in: 1...Int64.max)))
    }

    /// A field value: null, boolean, number or string.
    mutating func fieldValue(_ key: String) throws(SyncDecodingError) -> FieldValue {
        try FieldValue(wire: try value(key), path: self.childPath(key))
    }

    mutating func bool(_ key: String) throws(SyncDecodingError) -> Bool {
        let value = try value(key)
        guard case .bool(let flag) = value else {
            throw SyncDecodingError(
                path: childPath(key), problem: .wrongType(expected: "a boolean", found: value.typeName))
        }
        return flag
    }

    mutating func array(_ key: String) throws(SyncDecodingError) -> [JSONValue] {
        try JSONRead.array(try value(key), path: childPath(key))
    }

    mutating func enumeration<E: RawRepresentable & CaseIterable>(_ key: String, as: E.Type) throws(SyncDecodingError)
        -> E
    where E.RawValue == String {
        try JSONRead.enumeration(try value(key), path: childPath(key), as: E.self)
    }

    mutating func object<T>(_ key: String, _ decode: (JSONValue, String) throws(SyncDecodingError) -> T)
        throws(SyncDecodingError) -> T
    {
        try decode(try value(key), childPath(key))
    }

    mutating func optionalObject<T>(_ key: String, _ decode: (JSONValue, String) throws(SyncDecodingError) -> T)
        throws(SyncDecodingError) -> T?
    {
        guard let value = optionalValue(key), value != .null else { return nil }
        return try decode(value, childPath(key))
    }

    mutating func list<T>(_ key: String, _ decode: (JSONValue, String) throws(SyncDecodingError) -> T)
        throws(SyncDecodingError) -> [T]
    {
        let elements = try array(key)
        var result: [T] = []
        result.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            result.append(try decode(element, "\(childPath(key))[\(index)]"))
        }
        return result
    }

    /// Refuses members that no one read.
    func finish() throws(SyncDecodingError) {
        guard found < members.count else { return }
        if let unknown = members.keys.sorted().first(where: { !asked.contains($0) }) {
            throw SyncDecodingError(path: childPath(unknown), problem: .unknownField)
        }
    }
}

enum JSONRead {
    static func string(_ value: JSONValue, path: @autoclosure () -> String) throws(SyncDecodingError) -> String {
        guard case .string(let text) = value else {
            throw SyncDecodingError(path: path(), problem: .wrongType(expected: "a string", found: value.typeName))
        }
        return text
    }

    static func integer(_ value: JSONValue, path: @autoclosure () -> String, in range: ClosedRange<Int64>)
        throws(SyncDecodingError) -> Int64
    {
        guard case .integer(let number) = value else {
            throw SyncDecodingError(path: path(), problem: .wrongType(expected: "an integer", found: value.typeName))
        }
        guard range.contains(number) else {
            throw SyncDecodingError(
                path: path(),
                problem: .invalidValue(
                    String(number), expected: "an integer in \(range.lowerBound)...\(range.upperBound)"))
        }
        return number
    }

    static func array(_ value: JSONValue, path: @autoclosure () -> String) throws(SyncDecodingError) -> [JSONValue] {
        guard case .array(let elements) = value else {
            throw SyncDecodingError(path: path(), problem: .wrongType(expected: "an array", found: value.typeName))
        }
        return elements
    }

    static func enumeration<E: RawRepresentable & CaseIterable>(
        _ value: JSONValue, path: @autoclosure () -> String, as: E.Type
    ) throws(SyncDecodingError) -> E
    where E.RawValue == String {
        let text = try string(value, path: path())
        guard let result = E(rawValue: text) else {
            let allowed = E.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")
            throw SyncDecodingError(path: path(), problem: .invalidValue("'\(text)'", expected: "one of \(allowed)"))
        }
        return result
    }
}

/// Types with a wire form in the sync protocol. Decoding is strict (see `JSONObjectReader`);
/// encoding produces the tree that `canonicalBytes` turns into the golden-vector form.
package protocol WireCodable {
    init(wire: JSONValue, path: String) throws(SyncDecodingError)
    var wire: JSONValue { get }
}

extension WireCodable {
    /// Decodes a whole message from bytes.
    package static func decode(_ bytes: some Collection<UInt8>) throws(SyncDecodingError) -> Self {
        let value: JSONValue
        do {
            value = try JSONValue.parse(bytes)
        } catch {
            throw SyncDecodingError(path: "", problem: .malformedJSON(error))
        }
        return try Self(wire: value, path: "")
    }

    /// The canonical bytes of this message.
    package func encoded() -> [UInt8] { wire.canonicalBytes }
}
