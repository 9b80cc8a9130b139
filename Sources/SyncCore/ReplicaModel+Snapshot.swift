/// A canonical JSON image of a replica: rows sorted by entity and id, fields with the change
/// that wrote them, status registers with their moves and resolved status. Equal replicas give
/// equal bytes; central can store it, tests compare it, and a person can read a diff of it.
extension ReplicaModel {
    package var snapshot: JSONValue {
        let rowValues = rows.keys.sorted().map { key in rows[key]!.snapshot }
        let registers = statusRegisters.keys.sorted().map { orderID in
            let register = statusRegisters[orderID]!
            return JSONValue.object([
                "order_id": .string(orderID),
                "status": .string(register.status.rawValue),
                "resume_status": register.resolution.resumeStatus.map { .string($0.rawValue) } ?? .null,
                "moves": .array(register.moves.map(\.snapshot)),
            ])
        }
        return .object(["rows": .array(rowValues), "status_registers": .array(registers)])
    }
}

extension StampedValue: WireCodable {
    package init(wire value: JSONValue, path: String) throws(SyncDecodingError) {
        var reader = try JSONObjectReader(value, path: path)
        let fieldValue = try reader.fieldValue("value")
        let hlc = try reader.hlc("hlc")
        let nodeID = try reader.identifier("node_id")
        let sequence = try reader.integer("sequence", in: 1...Int64.max)
        let version = try reader.integer("version", in: 0...Int64.max)
        try reader.finish()
        self.init(value: fieldValue, stamp: HLCStamp(hlc: hlc, nodeID: nodeID), sequence: sequence, version: version)
    }

    package var wire: JSONValue {
        .object([
            "value": value.wire, "hlc": stamp.hlc.wire, "node_id": .string(stamp.nodeID),
            "sequence": .integer(sequence), "version": .integer(version),
        ])
    }
}

extension RowState {
    package var snapshot: JSONValue {
        var object: [String: JSONValue] = [
            "entity": .string(entity.rawValue), "row_id": .string(rowID), "order_id": .string(orderID),
            "fields": .object(fields.mapValues(\.wire)),
        ]
        if let appended { object["appended"] = appended.wire }
        if let tombstone { object["tombstone"] = tombstone.wire }
        return .object(object)
    }
}

extension StatusMove {
    package var snapshot: JSONValue {
        .object([
            "hlc": stamp.hlc.wire, "node_id": .string(stamp.nodeID), "sequence": .integer(sequence),
            "version": .integer(version), "from_status": .string(from.rawValue), "status": .string(to.rawValue),
            "resume_status": fromResume.map { .string($0.rawValue) } ?? .null,
            "note": note.map { .string($0) } ?? .null,
        ])
    }
}
