import OrderDomain

/// Recomputes derived fields (item and order totals) of one order from its merged rows. The
/// money rules live in OrderDomain; the runtime passes a closure that calls them, so SyncCore
/// only says when to recompute (`MergeReport.touchedOrders`) and what from.
package typealias DerivedFieldsRule =
    @Sendable (_ order: RowState?, _ liveItems: [RowState]) -> [RowKey: [String: FieldValue]]

/// An in-memory replica under the merge rules: every row's stamped fields and every order's
/// status register. It is the reference for central's and the nodes' SQLite stores (which keep
/// the same `RowState`/`StatusMove` data in tables) and the model the convergence tests run.
/// Two replicas that merged the same set of changes, in any order and with any duplicates,
/// are equal.
package struct ReplicaModel: Hashable, Sendable {
    package private(set) var rows: [RowKey: RowState] = [:]
    package private(set) var statusRegisters: [String: StatusRegister] = [:]
    /// Row keys per order, for derived fields and per-order views.
    package private(set) var rowsByOrder: [String: Set<RowKey>] = [:]

    package init() {}

    package func row(_ key: RowKey) -> RowState? { rows[key] }

    /// The order's status and resume status; `pending_payment` for an order without moves.
    package func status(ofOrder orderID: String) -> StatusRegister.Resolution {
        statusRegisters[orderID]?.resolution ?? StatusRegister().resolution
    }

    /// Merges one accepted change. `version` is central's log version (0 for a node's pending edit).
    @discardableResult
    package mutating func merge(_ change: Change, version: Int64) -> MergeReport {
        let result: MergeResult
        if change.operation == .setStatus {
            result = statusRegisters[change.orderID, default: StatusRegister()].merge(change, version: version)
        } else {
            let key = RowKey(change.entity, change.rowID)
            if rows[key] == nil {
                rowsByOrder[change.orderID, default: []].insert(key)
            }
            result = rows[key, default: RowState(entity: change.entity, rowID: change.rowID, orderID: change.orderID)]
                .merge(change, version: version)
        }
        return MergeReport(change: change.ref, result: result, touchedOrder: change.orderID)
    }

    /// The live items of an order.
    package func liveItems(ofOrder orderID: String) -> [RowState] {
        (rowsByOrder[orderID] ?? []).sorted().compactMap { key in
            guard key.entity == .orderItem, let row = rows[key], !row.isDeleted else { return nil }
            return row
        }
    }

    /// Derived fields of an order and its items, recomputed with `rule`.
    package func derivedFields(ofOrder orderID: String, rule: DerivedFieldsRule) -> [RowKey: [String: FieldValue]] {
        rule(rows[RowKey(.order, orderID)], liveItems(ofOrder: orderID))
    }

    /// A row's plain values as a node's typed table holds them: merged fields, plus the
    /// status and resume status for an order, plus derived fields when `rule` is given.
    package func projection(of key: RowKey, rule: DerivedFieldsRule? = nil) -> [String: FieldValue]? {
        guard let row = rows[key], !row.isDeleted else { return nil }
        var values = row.fields.mapValues(\.value)
        if key.entity == .order {
            let status = status(ofOrder: key.rowID)
            values["status"] = .text(status.status.rawValue)
            values["resume_status"] = status.resumeStatus.map { .text($0.rawValue) } ?? .null
        }
        if let rule, let derived = derivedFields(ofOrder: row.orderID, rule: rule)[key] {
            values.merge(derived) { _, new in new }
        }
        return values
    }
}

/// What merging one change did, for outcomes, conflicts and recomputation.
package struct MergeReport: Hashable, Sendable {
    package var change: ChangeRef
    package var result: MergeResult
    /// The order whose derived fields may have changed.
    package var touchedOrder: String

    /// For ledgers outside this module (central's SQLite store) that merge through
    /// `RowState.merge` / `StatusRegister.merge` themselves.
    package init(change: ChangeRef, result: MergeResult, touchedOrder: String) {
        self.change = change
        self.result = result
        self.touchedOrder = touchedOrder
    }
}
