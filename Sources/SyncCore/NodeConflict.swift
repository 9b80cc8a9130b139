/// One of a node's own edits that did not take effect, as its conflicts table keeps it.
public struct NodeConflict: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        /// Lost a conflict rule to another edit.
        case superseded(ConflictRule)
        /// Refused by central: broke a business rule or a permission.
        case rejected(Rejection.Code)

        public var code: String {
            switch self {
            case .superseded(let rule): rule.rawValue
            case .rejected(let code): code.rawValue
            }
        }
    }

    /// The losing change as this node made it: who (`author`), when (`hlc`), which
    /// workstation (`nodeID`), which order and row, and everything it wanted.
    public var change: Change
    /// The field that lost; nil when the whole change did (a rejection, an append collision).
    public var field: String?
    /// The value the field wanted (`.null` for a whole change: see `change.fields`).
    public var wanted: FieldValue
    /// The value in effect and the change that wrote it.
    public var winner: StampedValue?
    public var kind: Kind
    /// Why, for a person.
    public var message: String

    public init(change: Change, field: String?, wanted: FieldValue, winner: StampedValue?, kind: Kind, message: String) {
        self.change = change
        self.field = field
        self.wanted = wanted
        self.winner = winner
        self.kind = kind
        self.message = message
    }

    public init(change: Change, conflict: Conflict) {
        self.init(change: change, field: conflict.field, wanted: conflict.wanted, winner: conflict.winner, kind: .superseded(conflict.rule), message: conflict.message)
    }

    public init(change: Change, rejection: Rejection) {
        self.init(change: change, field: nil, wanted: .null, winner: nil, kind: .rejected(rejection.code), message: rejection.message)
    }

    public var key: ConflictKey { ConflictKey(change: change.ref, field: field) }
}

/// A conflict is recorded once per losing change and field, however often it is reported.
public struct ConflictKey: Hashable, Comparable, Sendable {
    public var change: ChangeRef
    public var field: String?

    public static func < (lhs: ConflictKey, rhs: ConflictKey) -> Bool {
        (lhs.change, lhs.field ?? "") < (rhs.change, rhs.field ?? "")
    }
}
