import ArgumentParser
import Central
import SyncCore

struct CentralEffects: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "effects",
        abstract: "The effects ledger: every call central makes to Stripe, EasyPost and SendGrid.",
        discussion: """
            Each effect is recorded with the change or webhook that caused it and runs once: pending ones are \
            tried (again) with backoff; failed ones carry the provider's message; unknown ones may or may not \
            have happened at the provider and need a person (README, "Integrations"). These commands work on \
            the database file, also while `kct central serve` runs (it picks a retried effect up within seconds).
            """,
        subcommands: [
            CentralEffectsList.self, CentralEffectsShow.self, CentralEffectsRetry.self, CentralEffectsCancel.self,
        ])
}

/// An effect as `--json` prints it.
struct EffectJSON: Encodable {
    let effect: EffectRecord

    enum CodingKeys: String, CodingKey {
        case id, cause, kind, provider, orderID = "order_id", requestID = "request_id", parameters, state
        case inFlight = "in_flight", attempts, nextAttemptAt = "next_attempt_at", providerRef = "provider_ref", result
        case message, createdAt = "created_at", updatedAt = "updated_at"
    }

    // Absent values are written as null, so every object has the same keys.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(effect.id, forKey: .id)
        try container.encode(effect.cause, forKey: .cause)
        try container.encode(effect.kind.rawValue, forKey: .kind)
        try container.encode(effect.kind.provider.rawValue, forKey: .provider)
        try container.encode(effect.orderID, forKey: .orderID)
        try container.encode(effect.requestID, forKey: .requestID)
        try container.encode(PlainJSON(.object(effect.parameters)), forKey: .parameters)
        try container.encode(effect.state.rawValue, forKey: .state)
        try container.encode(effect.inFlight, forKey: .inFlight)
        try container.encode(effect.attempts, forKey: .attempts)
        try container.encode(effect.nextAttemptAt, forKey: .nextAttemptAt)
        try container.encode(effect.providerRef, forKey: .providerRef)
        try container.encode(effect.result.map { PlainJSON(.object($0)) }, forKey: .result)
        try container.encode(effect.message, forKey: .message)
        try container.encode(effect.createdAt, forKey: .createdAt)
        try container.encode(effect.updatedAt, forKey: .updatedAt)
    }
}

/// SyncCore's JSON value through Encodable.
struct PlainJSON: Encodable {
    let value: JSONValue

    init(_ value: JSONValue) { self.value = value }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch value {
        case .null: try container.encodeNil()
        case .bool(let flag): try container.encode(flag)
        case .integer(let number): try container.encode(number)
        case .real(let number): try container.encode(number)
        case .string(let text): try container.encode(text)
        case .array(let elements): try container.encode(elements.map(PlainJSON.init))
        case .object(let members): try container.encode(members.mapValues(PlainJSON.init))
        }
    }
}
