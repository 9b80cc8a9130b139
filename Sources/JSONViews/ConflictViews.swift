import Foundation
import Store
import SyncCore

/// A conflict as `kct conflicts … --json` prints it and `GET /api/conflicts` serves it.
package struct ConflictJSON: Encodable, Sendable {
    package let record: ConflictRecord

    package init(_ record: ConflictRecord) { self.record = record }

    enum CodingKeys: String, CodingKey {
        case id, sequence, field, orderID = "order_id", orderNumber = "order_number", entity, rowID = "row_id", op,
            wanted
        case changeFields = "change_fields", winner, kind, code, message, author, madeAt = "made_at", workstation
        case recordedAt = "recorded_at", state, settledAt = "settled_at", settledBy = "settled_by", reappliedSequence =
            "reapplied_sequence"
    }

    struct Winner: Encodable {
        let value: FieldValue
        let nodeID: String
        let at: String
        let sequence: Int64
        let version: Int64
        enum CodingKeys: String, CodingKey { case value, nodeID = "node_id", at, sequence, version }
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(record.id, forKey: .id)
        try container.encode(record.sequence, forKey: .sequence)
        try container.encode(record.field, forKey: .field)
        try container.encode(record.orderID, forKey: .orderID)
        try container.encode(record.orderNumber, forKey: .orderNumber)
        try container.encode(record.entity.rawValue, forKey: .entity)
        try container.encode(record.rowID, forKey: .rowID)
        try container.encode(record.operation.rawValue, forKey: .op)
        try container.encode(record.wanted, forKey: .wanted)
        try container.encode(record.changeFields, forKey: .changeFields)
        try container.encode(
            record.winner.map {
                Winner(
                    value: $0.value, nodeID: $0.stamp.nodeID, at: $0.stamp.hlc.utcText, sequence: $0.sequence,
                    version: $0.version)
            }, forKey: .winner)
        try container.encode(record.rejected ? "rejected" : "superseded", forKey: .kind)
        try container.encode(record.code, forKey: .code)
        try container.encode(record.message, forKey: .message)
        try container.encode(record.author, forKey: .author)
        try container.encode(record.madeAt.utcText, forKey: .madeAt)
        try container.encode(record.workstation, forKey: .workstation)
        try container.encode(record.recordedAt, forKey: .recordedAt)
        try container.encode(record.state.rawValue, forKey: .state)
        try container.encode(record.settledAt, forKey: .settledAt)
        try container.encode(record.settledBy, forKey: .settledBy)
        try container.encode(record.reappliedSequence, forKey: .reappliedSequence)
    }
}
