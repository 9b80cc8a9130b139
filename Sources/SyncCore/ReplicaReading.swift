/// Read access to a replica's merge state: what the validator needs to judge a change. The
/// in-memory `ReplicaModel` implements it; so can a SQLite store, loading rows on demand.
package protocol ReplicaReading {
    func row(_ key: RowKey) -> RowState?
}

extension ReplicaReading {
    package func row(_ entity: EntityKind, _ rowID: String) -> RowState? { row(RowKey(entity, rowID)) }
}

extension ReplicaModel: ReplicaReading {}
