/// The reference models' side of the checksums (SYNC-PROTOCOL.md §4.11): what central's SQLite
/// store computes from its `rows`, and what a node's equals once it has merged the same changes.
extension ReplicaModel {
    /// Every order the replica holds rows or status moves of.
    package var orderIDs: Set<String> { Set(rowsByOrder.keys).union(statusRegisters.keys) }

    /// One order's merge state, as `GET /v1/buckets/N` carries it.
    package func orderState(ofOrder orderID: String) -> OrderState {
        OrderState(
            orderID: orderID, rows: (rowsByOrder[orderID] ?? []).compactMap { rows[$0] },
            moves: statusRegisters[orderID]?.moves ?? [])
    }

    /// The bucket checksums of the orders `include` accepts (a token's scope; every order by default).
    package func bucketChecksums(including include: (String) -> Bool = { _ in true }) -> ScopeChecksums {
        var checksums = ScopeChecksums()
        for orderID in orderIDs where include(orderID) {
            if let visible = orderState(ofOrder: orderID).visible {
                checksums.add(orderID: orderID, digest: visible.digest)
            }
        }
        return checksums
    }
}
