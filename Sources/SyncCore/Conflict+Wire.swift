extension ChangeRef: WireCodable {
    package init(wire value: JSONValue, path: String) throws(SyncDecodingError) {
        var reader = try JSONObjectReader(value, path: path)
        let nodeID = try reader.identifier("node_id")
        let sequence = try reader.integer("sequence", in: 1...Int64.max)
        try reader.finish()
        self.init(nodeID: nodeID, sequence: sequence)
    }

    package var wire: JSONValue { .object(["node_id": .string(nodeID), "sequence": .integer(sequence)]) }
}

extension Conflict: WireCodable {
    package init(wire value: JSONValue, path: String) throws(SyncDecodingError) {
        var reader = try JSONObjectReader(value, path: path)
        let loser = try reader.object("loser", ChangeRef.init(wire:path:))
        let entity = try reader.enumeration("entity", as: EntityKind.self)
        let rowID = try reader.identifier("row_id")
        let orderID = try reader.identifier("order_id")
        let field = try reader.optionalString("field")
        let wanted = try reader.fieldValue("wanted")
        let winner = try reader.optionalObject("winner", StampedValue.init(wire:path:))
        let rule = try reader.enumeration("rule", as: ConflictRule.self)
        let message = try reader.string("message")
        try reader.finish()
        self.init(
            loser: loser, entity: entity, rowID: rowID, orderID: orderID, field: field, wanted: wanted, winner: winner,
            rule: rule, message: message)
    }

    package var wire: JSONValue {
        .object([
            "loser": loser.wire, "entity": .string(entity.rawValue), "row_id": .string(rowID),
            "order_id": .string(orderID), "field": field.map { .string($0) } ?? .null, "wanted": wanted.wire,
            "winner": winner?.wire ?? .null, "rule": .string(rule.rawValue), "message": .string(message),
        ])
    }
}

extension Rejection: WireCodable {
    package init(wire value: JSONValue, path: String) throws(SyncDecodingError) {
        var reader = try JSONObjectReader(value, path: path)
        let code = try reader.enumeration("code", as: Code.self)
        let message = try reader.string("message")
        try reader.finish()
        self.init(code, message)
    }

    package var wire: JSONValue { .object(["code": .string(code.rawValue), "message": .string(message)]) }
}
