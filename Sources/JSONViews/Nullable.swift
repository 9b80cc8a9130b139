import SyncCore

/// An optional member written as `null` when it has no value. Synthesised `Encodable` leaves
/// nil members out; the JSON shapes of `kct --json` and the local API always carry every key,
/// so that a shape does not depend on the data.
@propertyWrapper
package struct Nullable<Value: Encodable>: Encodable {
    package var wrappedValue: Value?

    package init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(wrappedValue)
    }
}

extension Nullable: Sendable where Value: Sendable {}

/// A stored JSON document (an address, measurements) as its tree; nil for none. The Store keeps
/// only valid JSON.
func storedDocument(_ text: String?) -> JSONValue? {
    text.flatMap { try? JSONValue.parse($0) }
}
