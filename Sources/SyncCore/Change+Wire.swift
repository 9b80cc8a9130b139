extension FieldValue {
    init(wire value: JSONValue, path: @autoclosure () -> String) throws(SyncDecodingError) {
        switch value {
        case .null: self = .null
        case .bool(let flag): self = .bool(flag)
        case .integer(let number): self = .integer(number)
        case .real(let number): self = .real(number)
        case .string(let text): self = .text(text)
        case .array, .object:
            throw SyncDecodingError(
                path: path(),
                problem: .wrongType(
                    expected: "null, a boolean, a number or a string (JSON documents travel as strings)",
                    found: value.typeName))
        }
    }

    package var wire: JSONValue {
        switch self {
        case .null: .null
        case .bool(let flag): .bool(flag)
        case .integer(let number): .integer(number)
        case .real(let number): .real(number)
        case .text(let text): .string(text)
        }
    }
}

extension HLC {
    var wire: JSONValue { .integer(Int64(truncatingIfNeeded: packed)) }
}

extension HLCStamp: WireCodable {
    package init(wire value: JSONValue, path: String) throws(SyncDecodingError) {
        var reader = try JSONObjectReader(value, path: path)
        let hlc = try reader.hlc("hlc")
        let nodeID = try reader.nonEmptyString("node_id")
        try reader.finish()
        self.init(hlc: hlc, nodeID: nodeID)
    }

    package var wire: JSONValue { .object(["hlc": hlc.wire, "node_id": .string(nodeID)]) }
}

extension Change: WireCodable {
    /// Longest accepted identifier (node ids, row ids, order ids, field names).
    package static let maximumIdentifierLength = 128
    /// Longest accepted author (a staff member's e-mail or name, as the seed's 255-character columns).
    package static let maximumAuthorLength = 255

    package init(wire value: JSONValue, path: String) throws(SyncDecodingError) {
        var reader = try JSONObjectReader(value, path: path)
        let nodeID = try reader.identifier("node_id")
        let sequence = try reader.integer("sequence", in: 1...Int64.max)
        let hlc = try reader.hlc("hlc")
        let entity = try reader.enumeration("entity", as: EntityKind.self)
        let rowID = try reader.identifier("row_id")
        let orderID = try reader.identifier("order_id")
        let operation = try reader.enumeration("op", as: ChangeOperation.self)
        let rawFields = try reader.value("fields")
        guard case .object(let members) = rawFields else {
            throw SyncDecodingError(
                path: reader.childPath("fields"), problem: .wrongType(expected: "an object", found: rawFields.typeName))
        }
        var fields: [String: FieldValue] = [:]
        fields.reserveCapacity(members.count)
        for (name, field) in members {
            guard !name.isEmpty, name.utf8.count <= Self.maximumIdentifierLength else {
                throw SyncDecodingError(
                    path: "\(reader.childPath("fields")).\(name)",
                    problem: .invalidValue(
                        "'\(name)'", expected: "a field name of 1 to \(Self.maximumIdentifierLength) bytes"))
            }
            fields[name] = try FieldValue(wire: field, path: "\(reader.childPath("fields")).\(name)")
        }
        let author = try reader.nonEmptyString("author")
        guard author.count <= Self.maximumAuthorLength else {
            throw SyncDecodingError(
                path: reader.childPath("author"),
                problem: .invalidValue(
                    "of \(author.count) characters", expected: "at most \(Self.maximumAuthorLength) characters"))
        }
        let baseVersion = try reader.integer("base_version", in: 0...Int64.max)
        try reader.finish()
        self.init(
            nodeID: nodeID, sequence: sequence, hlc: hlc, entity: entity, rowID: rowID, orderID: orderID,
            operation: operation, fields: fields, author: author, baseVersion: baseVersion)
    }

    package var wire: JSONValue {
        .object([
            "node_id": .string(nodeID), "sequence": .integer(sequence), "hlc": hlc.wire,
            "entity": .string(entity.rawValue), "row_id": .string(rowID), "order_id": .string(orderID),
            "op": .string(operation.rawValue), "fields": .object(fields.mapValues(\.wire)),
            "author": .string(author), "base_version": .integer(baseVersion),
        ])
    }
}

extension JSONObjectReader {
    /// A non-empty identifier of bounded length.
    mutating func identifier(_ key: String) throws(SyncDecodingError) -> String {
        let text = try nonEmptyString(key)
        guard text.utf8.count <= Change.maximumIdentifierLength else {
            throw SyncDecodingError(
                path: childPath(key),
                problem: .invalidValue(
                    "of \(text.utf8.count) bytes", expected: "at most \(Change.maximumIdentifierLength) bytes"))
        }
        return text
    }
}
