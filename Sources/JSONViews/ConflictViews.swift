import Foundation
import Store
import SyncCore

/// A conflict as `kct conflicts … --json` prints it and `GET /api/conflicts` serves it.
package struct ConflictJSON: Encodable, Sendable {
    package var id: Int64
    package var sequence: Int64
    @Nullable package var field: String?
    package var orderID: String
    @Nullable package var orderNumber: String?
    package var entity: String
    package var rowID: String
    package var op: String
    package var wanted: FieldValue
    package var changeFields: [String: FieldValue]
    @Nullable package var winner: Winner?
    package var kind: String
    package var code: String
    package var message: String
    package var author: String
    package var madeAt: String
    package var workstation: String
    package var recordedAt: String
    package var state: String
    @Nullable package var settledAt: String?
    @Nullable package var settledBy: String?
    @Nullable package var reappliedSequence: Int64?

    package init(_ record: ConflictRecord) {
        id = record.id
        sequence = record.sequence
        field = record.field
        orderID = record.orderID
        orderNumber = record.orderNumber
        entity = record.entity.rawValue
        rowID = record.rowID
        op = record.operation.rawValue
        wanted = record.wanted
        changeFields = record.changeFields
        winner = record.winner.map(Winner.init)
        kind = record.rejected ? "rejected" : "superseded"
        code = record.code
        message = record.message
        author = record.author
        madeAt = record.madeAt.utcText
        workstation = record.workstation
        recordedAt = record.recordedAt
        state = record.state.rawValue
        settledAt = record.settledAt
        settledBy = record.settledBy
        reappliedSequence = record.reappliedSequence
    }

    enum CodingKeys: String, CodingKey {
        case id, sequence, field, orderID = "order_id", orderNumber = "order_number", entity, rowID = "row_id", op
        case wanted, changeFields = "change_fields", winner, kind, code, message, author, madeAt = "made_at"
        case workstation, recordedAt = "recorded_at", state, settledAt = "settled_at", settledBy = "settled_by"
        case reappliedSequence = "reapplied_sequence"
    }

    package struct Winner: Encodable, Sendable {
        let value: FieldValue
        let nodeID: String
        let at: String
        let sequence: Int64
        let version: Int64

        init(_ winner: StampedValue) {
            value = winner.value
            nodeID = winner.stamp.nodeID
            at = winner.stamp.hlc.utcText
            sequence = winner.sequence
            version = winner.version
        }

        enum CodingKeys: String, CodingKey { case value, nodeID = "node_id", at, sequence, version }
    }
}
