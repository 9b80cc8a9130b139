import OrderDomain

/// Identifies one change: its node and that node's upload sequence.
public struct ChangeRef: Hashable, Comparable, Sendable {
    public var nodeID: String
    public var sequence: Int64

    public init(nodeID: String, sequence: Int64) {
        self.nodeID = nodeID
        self.sequence = sequence
    }

    public static func < (lhs: ChangeRef, rhs: ChangeRef) -> Bool {
        (lhs.nodeID, lhs.sequence) < (rhs.nodeID, rhs.sequence)
    }
}

/// The total order of changes used by every rule: the stamp (HLC, then node id), then the
/// node's sequence, so two changes never compare equal even if a re-stamp gave them one stamp.
public struct MergeKey: Hashable, Comparable, Sendable {
    public var stamp: HLCStamp
    public var sequence: Int64

    public static func < (lhs: MergeKey, rhs: MergeKey) -> Bool {
        (lhs.stamp, lhs.sequence) < (rhs.stamp, rhs.sequence)
    }
}

/// A value together with the change that wrote it: the unit of last-writer-wins.
public struct StampedValue: Hashable, Sendable {
    public var value: FieldValue
    public var stamp: HLCStamp
    /// The writing change's sequence on its node (`stamp.nodeID`).
    public var sequence: Int64
    /// Central's log version of the writing change; 0 while it is a node's pending edit.
    public var version: Int64

    public init(value: FieldValue, stamp: HLCStamp, sequence: Int64, version: Int64) {
        self.value = value
        self.stamp = stamp
        self.sequence = sequence
        self.version = version
    }

    public var ref: ChangeRef { ChangeRef(nodeID: stamp.nodeID, sequence: sequence) }
    public var key: MergeKey { MergeKey(stamp: stamp, sequence: sequence) }
}

/// Entity and row id: the key of a row across the replica.
public struct RowKey: Hashable, Comparable, Sendable {
    public var entity: EntityKind
    public var rowID: String

    public init(_ entity: EntityKind, _ rowID: String) {
        self.entity = entity
        self.rowID = rowID
    }

    public static func < (lhs: RowKey, rhs: RowKey) -> Bool {
        (lhs.entity.rawValue, lhs.rowID) < (rhs.entity.rawValue, rhs.rowID)
    }
}

/// One row as the merge rules see it: every field with the change that wrote it, and a
/// tombstone once deleted. Central stores this as-is; a node projects it onto typed tables.
/// Derived fields are not stored here; see `ReplicaModel.derivedFields`.
public struct RowState: Hashable, Sendable {
    public var entity: EntityKind
    public var rowID: String
    public var orderID: String
    public var fields: [String: StampedValue]
    /// The `append` that created an append-only record (value `.null`): its stamp settles two
    /// appends that reuse one row id.
    public var appended: StampedValue?
    /// The delete that removed the row (value `.null`). A deleted row keeps no fields.
    public var tombstone: StampedValue?

    public init(entity: EntityKind, rowID: String, orderID: String) {
        self.entity = entity
        self.rowID = rowID
        self.orderID = orderID
        self.fields = [:]
    }

    public var key: RowKey { RowKey(entity, rowID) }
    public var isDeleted: Bool { tombstone != nil }
}

/// One `set_status` change as kept in an order's status register.
public struct StatusMove: Hashable, Sendable {
    public var stamp: HLCStamp
    public var sequence: Int64
    public var version: Int64
    /// The status the order had on the author's replica, and its resume status there.
    public var from: OrderStatus
    public var to: OrderStatus
    public var fromResume: OrderStatus?
    public var note: String?

    public init(stamp: HLCStamp, sequence: Int64, version: Int64, from: OrderStatus, to: OrderStatus, fromResume: OrderStatus?, note: String?) {
        self.stamp = stamp
        self.sequence = sequence
        self.version = version
        self.from = from
        self.to = to
        self.fromResume = fromResume
        self.note = note
    }

    public var ref: ChangeRef { ChangeRef(nodeID: stamp.nodeID, sequence: sequence) }
    public var key: MergeKey { MergeKey(stamp: stamp, sequence: sequence) }
}
