import Store
import SyncCore

extension ConflictRecord {
    /// What lost, in a few words: `priority: 'high'` or the whole change's operation.
    var wantedSummary: String {
        if let field { return "\(field): \(wanted.displayText)" }
        return "\(operation.rawValue) \(changeFields.keys.sorted().joined(separator: ","))"
    }
}
