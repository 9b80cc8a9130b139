import Foundation

/// A database's size per order, from SQLite's `dbstat` (pages in use, b-tree and overflow, WAL
/// included), with the tables (their indexes counted with them) that hold it.
struct StorageFigures {
    let bytesPerOrder: Double
    let breakdown: String

    init(path: String, orders: Int) throws {
        let tables = try LargeReplicaSuite.bytesPerTable(path)
        let total = tables.reduce(0) { $0 + $1.1 }
        bytesPerOrder = Double(total) / Double(max(orders, 1))
        breakdown = tables.filter { $0.1 * 100 >= total }
            .map { "\($0.0) \(Int((Double($0.1) / Double(max(orders, 1))).rounded()))" }
            .joined(separator: ", ")
    }
}
