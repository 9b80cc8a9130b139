/// One of a node's own edits that did not take effect, as its conflicts table keeps it.
package struct NodeConflict: Hashable, Sendable {
    package enum Kind: Hashable, Sendable {
        /// Lost a conflict rule to another edit.
        case superseded(ConflictRule)
        /// Refused by central: broke a business rule or a permission.
        case rejected(Rejection.Code)

        package var code: String {
            switch self {
            case .superseded(let rule): rule.rawValue
            case .rejected(let code): code.rawValue
            }
        }
    }

    /// The losing change as this node made it: who (`author`), when (`hlc`), which
    /// workstation (`nodeID`), which order and row, and everything it wanted.
    package var change: Change
    /// The field that lost; nil when the whole change did (a rejection, an append collision).
    package var field: String?
    /// The value the field wanted (`.null` for a whole change: see `change.fields`).
    package var wanted: FieldValue
    /// The value in effect and the change that wrote it.
    package var winner: StampedValue?
    package var kind: Kind
    /// Why, for a person.
    package var message: String

    package init(change: Change, field: String?, wanted: FieldValue, winner: StampedValue?, kind: Kind, message: String)
    {
        self.change = change
        self.field = field
        self.wanted = wanted
        self.winner = winner
        self.kind = kind
        self.message = message
    }

    package init(change: Change, conflict: Conflict) {
        self.init(
            change: change, field: conflict.field, wanted: conflict.wanted, winner: conflict.winner,
            kind: .superseded(conflict.rule), message: conflict.message)
    }

    package init(change: Change, rejection: Rejection) {
        self.init(
            change: change, field: nil, wanted: .null, winner: nil, kind: .rejected(rejection.code),
            message: rejection.message)
    }

    package var key: ConflictKey { ConflictKey(change: change.ref, field: field) }
}

/// A conflict is recorded once per losing change and field, however often it is reported.
package struct ConflictKey: Hashable, Comparable, Sendable {
    package var change: ChangeRef
    package var field: String?

    package static func < (lhs: ConflictKey, rhs: ConflictKey) -> Bool {
        (lhs.change, lhs.field ?? "") < (rhs.change, rhs.field ?? "")
    }
}
