import OrderDomain

/// Identifies one change: its node and that node's upload sequence.
package struct ChangeRef: Hashable, Comparable, Sendable {
    package var nodeID: String
    package var sequence: Int64

    package init(nodeID: String, sequence: Int64) {
        self.nodeID = nodeID
        self.sequence = sequence
    }

    package static func < (lhs: ChangeRef, rhs: ChangeRef) -> Bool {
        (lhs.nodeID, lhs.sequence) < (rhs.nodeID, rhs.sequence)
    }
}

/// The total order of changes used by every rule: the stamp (HLC, then node id), then the
/// node's sequence, so two changes never compare equal even if a re-stamp gave them one stamp.
package struct MergeKey: Hashable, Comparable, Sendable {
    package var stamp: HLCStamp
    package var sequence: Int64

    package static func < (lhs: MergeKey, rhs: MergeKey) -> Bool {
        (lhs.stamp, lhs.sequence) < (rhs.stamp, rhs.sequence)
    }
}

/// A value together with the change that wrote it: the unit of last-writer-wins.
package struct StampedValue: Hashable, Sendable {
    package var value: FieldValue
    package var stamp: HLCStamp
    /// The writing change's sequence on its node (`stamp.nodeID`).
    package var sequence: Int64
    /// Central's log version of the writing change; 0 while it is a node's pending edit.
    package var version: Int64

    package init(value: FieldValue, stamp: HLCStamp, sequence: Int64, version: Int64) {
        self.value = value
        self.stamp = stamp
        self.sequence = sequence
        self.version = version
    }

    package var ref: ChangeRef { ChangeRef(nodeID: stamp.nodeID, sequence: sequence) }
    package var key: MergeKey { MergeKey(stamp: stamp, sequence: sequence) }
}

/// Entity and row id: the key of a row across the replica.
package struct RowKey: Hashable, Comparable, Sendable {
    package var entity: EntityKind
    package var rowID: String

    package init(_ entity: EntityKind, _ rowID: String) {
        self.entity = entity
        self.rowID = rowID
    }

    package static func < (lhs: RowKey, rhs: RowKey) -> Bool {
        (lhs.entity.rawValue, lhs.rowID) < (rhs.entity.rawValue, rhs.rowID)
    }
}

/// One row as the merge rules see it: every field with the change that wrote it, and a
/// tombstone once deleted. Central stores this as-is; a node projects it onto typed tables.
/// Derived fields are not stored here; see `ReplicaModel.derivedFields`.
package struct RowState: Hashable, Sendable {
    package var entity: EntityKind
    package var rowID: String
    package var orderID: String
    package var fields: [String: StampedValue]
    /// The `append` that created an append-only record (value `.null`): its stamp settles two
    /// appends that reuse one row id.
    package var appended: StampedValue?
    /// The delete that removed the row (value `.null`). A deleted row keeps no fields.
    package var tombstone: StampedValue?

    package init(entity: EntityKind, rowID: String, orderID: String) {
        self.entity = entity
        self.rowID = rowID
        self.orderID = orderID
        self.fields = [:]
    }

    package var key: RowKey { RowKey(entity, rowID) }
    package var isDeleted: Bool { tombstone != nil }
}

/// One `set_status` change as kept in an order's status register.
package struct StatusMove: Hashable, Sendable {
    package var stamp: HLCStamp
    package var sequence: Int64
    package var version: Int64
    /// The status the order had on the author's replica, and its resume status there.
    package var from: OrderStatus
    package var to: OrderStatus
    package var fromResume: OrderStatus?
    package var note: String?

    package init(
        stamp: HLCStamp, sequence: Int64, version: Int64, from: OrderStatus, to: OrderStatus, fromResume: OrderStatus?,
        note: String?
    ) {
        self.stamp = stamp
        self.sequence = sequence
        self.version = version
        self.from = from
        self.to = to
        self.fromResume = fromResume
        self.note = note
    }

    package var ref: ChangeRef { ChangeRef(nodeID: stamp.nodeID, sequence: sequence) }
    package var key: MergeKey { MergeKey(stamp: stamp, sequence: sequence) }
}
